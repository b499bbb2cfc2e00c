"""Google Groups (and Workspace groups) refusing a post: the list, not a mailbox, turned the message away.

From mailer-daemon@googlemail.com, with `X-Failed-Recipients: group@googlegroups.com`, and a notice (often
localised) that the group does not exist or the sender may not post to it. No SMTP reply, no status: the
format itself says the sender was rejected.
"""

from __future__ import annotations

from mailcanary.bounce.addresses import addresses_in
from mailcanary.bounce.message_view import MessageView
from mailcanary.bounce.model import Finding
from mailcanary.bounce.taxonomy import Reason

_MARKS = ("groups.google.com", "google groups", "googlegroups.com")


class GoogleGroups:
    name = "googlegroups"

    def detect(self, msg: MessageView) -> bool:
        if "google" not in msg.sender or not msg.has_header("X-Failed-Recipients"):
            return False
        return msg.mentions(*_MARKS) or "googlegroups" in msg.header("X-Failed-Recipients").lower()

    def parse(self, msg: MessageView) -> tuple[Finding, ...]:
        failed = addresses_in([str(v) for v in msg.message.get_all("X-Failed-Recipients") or []])
        summary = " ".join(msg.text.split())[:500] or None
        return tuple(Finding(address, diagnostic_code=summary, reason=Reason.REJECTED) for address in failed)


GOOGLEGROUPS = GoogleGroups()
