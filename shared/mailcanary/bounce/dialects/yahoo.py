"""Yahoo Mail's own failure notice (qmail-like blocks under a Yahoo intro).

Sorry, we were unable to deliver your message to the following address.

<user@yahoo.com>:
554: delivery error: dd Not a valid recipient - atlas117.free.mail.ne1.yahoo.com
"""

from __future__ import annotations

from mailcanary.bounce.dialects.base import ADDRESS, Section, TextDialect, compile_ci

_INTRO = compile_ci(r"Sorry, we were unable to deliver your message to the following address")

YAHOO = TextDialect(
    "yahoo",
    lambda msg: "yahoo" in msg.sender and _INTRO.search(msg.text) is not None,
    Section(
        start=_INTRO,
        head=compile_ci(rf"^<(?P<addr>{ADDRESS})>:\s*(?P<rest>.*)$"),
        end=compile_ci(r"^--- (Below this line is a copy of the message|Original message follows)"),
    ),
)
