"""Postfix's notification text, for when the DSN part is missing (forwarded reports, pre-2.3 Postfix).

This is the mail system at host mx.example.com.   (older: "This is the Postfix program at host ...")
...
 <user@example.net>: host mx.example.net[192.0.2.1] said: 550 5.1.1 <user@example.net>:
    Recipient address rejected: User unknown (in reply to RCPT TO command)
"""

from __future__ import annotations

from mailcanary.bounce.dialects.base import ADDRESS, Section, TextDialect, compile_ci

POSTFIX = TextDialect(
    "postfix",
    lambda msg: msg.mentions("this is the mail system at host", "this is the postfix program at host"),
    Section(
        start=("^the mail system", "^the postfix program", "delivery error report follows"),
        head=compile_ci(rf"^\s?<(?P<addr>{ADDRESS})>(?: \(expanded from <[^>]*>\))?:\s*(?P<rest>.*)$"),
        end=("^--- undelivered message", "^--- delivery report", "^--- returned message"),
    ),
)
