"""Courier's notification text (Courier normally adds a DSN part; this reads the text when it does not).

This is a delivery status notification from example.com,
running the Courier mail server, version 0.65.2.
...
Your message to the following recipients cannot be delivered:

<user@example.net>:
    mx.example.net [192.0.2.1]:
>>> RCPT TO:<user@example.net>
<<< 550 5.1.1 <user@example.net>... User unknown
"""

from __future__ import annotations

from mailcanary.bounce.dialects.base import ADDRESS, Section, TextDialect, compile_ci

COURIER = TextDialect(
    "courier",
    lambda msg: msg.mentions("running the courier mail server"),
    Section(
        start=("following recipients cannot be delivered",),
        head=compile_ci(rf"^<(?P<addr>{ADDRESS})>:\s*(?P<rest>.*)$"),
        end=("^----------",),
    ),
    Section(
        start=("following recipient has been delayed", "following recipients have been delayed"),
        head=compile_ci(rf"^<(?P<addr>{ADDRESS})>:\s*(?P<rest>.*)$"),
        end=("^----------",),
        action="delayed",
    ),
)
