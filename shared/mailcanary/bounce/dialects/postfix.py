"""Postfix's notification text, for when the DSN part is missing (forwarded reports, pre-2.3 Postfix).

This is the mail system at host mx.example.com.   (older: "This is the Postfix program at host ...")
...
 <user@example.net>: host mx.example.net[192.0.2.1] said: 550 5.1.1 <user@example.net>:
    Recipient address rejected: User unknown (in reply to RCPT TO command)
"""

from __future__ import annotations

from mailcanary.bounce.dialects.base import ADDRESS, Section, TextDialect, compile_ci

_INTRO = compile_ci(r"This is the (mail system|Postfix program) at host")

POSTFIX = TextDialect(
    "postfix",
    lambda msg: _INTRO.search(msg.text) is not None,
    Section(
        start=compile_ci(r"^\s*The (mail system|Postfix program)\s*$|^\s*-+ Delivery error report follows -+"),
        head=compile_ci(rf"^\s?<(?P<addr>{ADDRESS})>(?: \(expanded from <[^>]*>\))?:\s*(?P<rest>.*)$"),
        end=compile_ci(r"^-+ ?(Undelivered message|Delivery report|Returned message|[\w.]+/[\w.]+)"),
    ),
)
