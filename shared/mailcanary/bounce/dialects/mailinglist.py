"""A mailing-list manager (fml, Mailman, Majordomo, ...) refusing a post: the list, not a mailbox, failed.

You are not a member of this mailing list <neko-nyaan@example.org>.
Loop Alert: Duplicated Message-ID in <neko@example.co.jp>.

The failed "recipient" is the list address the notice names (else the returned original's To); the
reason is the sender's rejection (not a member, not allowed to post) or a system error (mail loop).
"""

from __future__ import annotations

import re

from mailcanary.bounce.addresses import addresses_in, clean_address
from mailcanary.bounce.message_view import MessageView, header
from mailcanary.bounce.model import Finding
from mailcanary.bounce.taxonomy import Reason

_REFUSALS: tuple[tuple[str, Reason], ...] = (
    ("not a member of this mailing list", Reason.REJECTED),
    ("are not member", Reason.REJECTED),
    ("only members can post", Reason.REJECTED),
    ("not allowed to post to this list", Reason.REJECTED),
    ("post to this list is restricted", Reason.REJECTED),
    ("duplicated message-id", Reason.SYSTEM_ERROR),
    ("mail loop detected", Reason.SYSTEM_ERROR),
)
_LIST_SENDER = re.compile(r"(-admin|-owner|owner-|-request|-bounces|-ctl)@|\b(mailman|majordomo|listserv|fml)\b")
_IN_ANGLES = re.compile(r"<([^<>\s]{3,320})>")


class MailingList:
    name = "mailinglist"

    def detect(self, msg: MessageView) -> bool:
        return _LIST_SENDER.search(msg.sender) is not None and self._refusal(msg) is not None

    def parse(self, msg: MessageView) -> tuple[Finding, ...]:
        refusal = self._refusal(msg)
        if refusal is None:
            return ()
        phrase, reason = refusal
        line = next((line for line in msg.text.splitlines() if phrase in line.lower()), "")
        named = [clean_address(token) for token in _IN_ANGLES.findall(line)]
        listed = [address for address in named if address is not None]
        if not listed and msg.original_headers is not None:
            listed = list(addresses_in([header(msg.original_headers, "To")]))
        diagnostic = " ".join(line.split()) or None
        return tuple(Finding(address, diagnostic_code=diagnostic, reason=reason) for address in listed[:1])

    @staticmethod
    def _refusal(msg: MessageView) -> tuple[str, Reason] | None:
        text = f"{msg.subject.lower()}\n{msg.lower_text[:5000]}"
        return next(((phrase, reason) for phrase, reason in _REFUSALS if phrase in text), None)


MAILINGLIST = MailingList()
