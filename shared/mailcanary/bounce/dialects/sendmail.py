"""Sendmail's text report (the part before its DSN, or all there is from old or misconfigured sendmails).

   ----- The following addresses had permanent fatal errors -----
<user@example.net>
    (reason: 550 5.1.1 <user@example.net>... User unknown)

   ----- Transcript of session follows -----
... while talking to mx.example.net.:
>>> RCPT To:<user@example.net>
<<< 550 5.1.1 <user@example.net>... User unknown
"""

from __future__ import annotations

import re

from mailcanary.bounce.dialects.base import ADDRESS, Section, compile_ci, read_sections
from mailcanary.bounce.message_view import MessageView
from mailcanary.bounce.model import Finding

_HEAD = compile_ci(rf"^\s*<?(?P<addr>{ADDRESS})>?\s*(?:\.\.\.\s*(?P<rest>.*))?$")
_END = ("^-----",)
_FATAL = Section(("addresses had permanent fatal errors",), _HEAD, _END)
_TRANSIENT = Section(("addresses had transient non-fatal errors",), _HEAD, _END, action="delayed")
_REPLY = re.compile(r"^<<<\s*([45]\d\d[ -].*)$", re.MULTILINE)


class Sendmail:
    name = "sendmail"

    def detect(self, msg: MessageView) -> bool:
        return msg.mentions("----- the following addresses had", "----- transcript of session follows")

    def parse(self, msg: MessageView) -> tuple[Finding, ...]:
        found = read_sections(msg.text, (_FATAL, _TRANSIENT))
        replies = _REPLY.findall(msg.text)
        if len(found) == 1 and not found[0].diagnostic_code and replies:
            # One recipient and no "(reason: ...)": the transcript's last remote reply is its diagnostic.
            only = found[0]
            return (Finding(only.address, only.action, diagnostic_code=replies[-1].strip()),)
        return tuple(Finding(f.address, f.action, diagnostic_code=_strip_reason(f.diagnostic_code)) for f in found)


def _strip_reason(text: str | None) -> str | None:
    """`(reason: 550 5.1.1 ...)` → `550 5.1.1 ...`."""
    if not text:
        return text
    return re.sub(r"^\(reason:\s*(.*?)\)?$", r"\1", text.strip()) or None


SENDMAIL = Sendmail()
