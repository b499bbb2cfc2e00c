"""Gmail / Google Workspace text bounces (modern ones carry a DSN part, read by the RFC 3464 reader).

Delivery to the following recipient failed permanently:

     user@example.net

Technical details of permanent failure:
... The error that the other server returned was: 550 550 5.1.1 user unknown (state 14).

----- Original message -----
"""

from __future__ import annotations

import re

from mailcanary.bounce.dialects.base import ADDRESS, Section, TextDialect, compile_ci

_SENDER = re.compile(r"mailer-daemon@(google|googlemail|gmail)\.com")
_HEAD = compile_ci(rf"^\s*(?P<addr>{ADDRESS})\s*$")
_END = ("^----- original message -----",)

GMAIL = TextDialect(
    "gmail",
    lambda msg: _SENDER.search(msg.sender) is not None,
    Section(("delivery to the following recipient failed", "delivery to the following recipients failed"), _HEAD, _END),
    Section(("delivery to the following recipient has been delayed",), _HEAD, _END, action="delayed"),
    Section(
        start=("** address not found **", "** message not delivered **", "** message blocked **"),
        head=compile_ci(rf"^.*?(?:wasn't|was not) delivered to (?P<addr>{ADDRESS})\s*(?P<rest>.*)$"),
        end=_END,
    ),
)
