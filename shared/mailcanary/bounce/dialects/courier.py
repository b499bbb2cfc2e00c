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

_INTRO = compile_ci(r"running the Courier mail server")

COURIER = TextDialect(
    "courier",
    lambda msg: _INTRO.search(msg.text) is not None,
    Section(
        start=compile_ci(r"following recipients cannot be delivered"),
        head=compile_ci(rf"^<(?P<addr>{ADDRESS})>:\s*(?P<rest>.*)$"),
        end=compile_ci(r"^-{10,}"),
    ),
    Section(
        start=compile_ci(r"following recipients? (has|have) been delayed|delivery (to .* )?delayed"),
        head=compile_ci(rf"^<(?P<addr>{ADDRESS})>:\s*(?P<rest>.*)$"),
        end=compile_ci(r"^-{10,}"),
        action="delayed",
    ),
)
