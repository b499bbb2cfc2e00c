"""Notices that list failed recipients by local part only, the domain being the reporting site's own.

Your mail to the following recipients could not be delivered because they are not accepting mail ...:
        screenname

 --------Message not delivered to the following:
 userx    No matches to nameserver query

Old AOL and university directory gateways write these. The domain is the one of the notice's sender
(`mailer-daemon@aol.com` → `aol.com`; a host's name is cut to its registered domain).
"""

from __future__ import annotations

import re

from mailcanary.bounce.addresses import addresses_in
from mailcanary.bounce.message_view import MessageView
from mailcanary.bounce.model import Finding

_STARTS = ("following recipients could not be delivered", "message not delivered to the following")
_ENTRY = re.compile(r"^\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._+-]{0,63})(?:\s{2,}(?P<rest>\S.*))?$")
_MAX_ENTRIES = 100


class BareName:
    name = "barename"

    def detect(self, msg: MessageView) -> bool:
        return msg.mentions(*_STARTS)

    def parse(self, msg: MessageView) -> tuple[Finding, ...]:
        domain = _site_domain(msg)
        lines = msg.text.splitlines()
        start = next((i for i, line in enumerate(lines) if any(p in line.lower() for p in _STARTS)), None)
        if domain is None or start is None:
            return ()
        found: list[Finding] = []
        for line in lines[start + 1 : start + 1 + _MAX_ENTRIES]:
            if not line.strip():
                if found:
                    break
                continue
            entry = _ENTRY.match(line)
            if entry is None or "@" in line:
                return ()  # not this layout: addresses are there, another reader handles them
            reason = entry.group("rest") or " ".join(lines[start].split())
            found.append(Finding(f"{entry.group('name')}@{domain}", diagnostic_code=reason))
        return tuple(found)


def _site_domain(msg: MessageView) -> str | None:
    senders = addresses_in([msg.header("From")])
    if not senders:
        return None
    labels = senders[0].rpartition("@")[2].lower().split(".")
    keep = 3 if len(labels) >= 3 and len(labels[-1]) == 2 and len(labels[-2]) <= 3 else 2  # example.co.jp
    return ".".join(labels[-keep:]) if len(labels) >= 2 else None


BARENAME = BareName()
