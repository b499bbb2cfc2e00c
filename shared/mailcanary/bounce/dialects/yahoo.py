"""Yahoo Mail's own failure notice (qmail-like blocks under a Yahoo intro).

Sorry, we were unable to deliver your message to the following address.

<user@yahoo.com>:
554: delivery error: dd Not a valid recipient - atlas117.free.mail.ne1.yahoo.com
"""

from __future__ import annotations

from mailcanary.bounce.dialects.base import ADDRESS, Section, TextDialect, compile_ci

YAHOO = TextDialect(
    "yahoo",
    lambda msg: "yahoo" in msg.sender and msg.mentions("sorry, we were unable to deliver your message"),
    Section(
        start=("sorry, we were unable to deliver your message to the following address",),
        head=compile_ci(rf"^<(?P<addr>{ADDRESS})>:\s*(?P<rest>.*)$"),
        end=("^--- below this line is a copy of the message", "^--- original message follows"),
    ),
)
