"""Lotus (HCL) Domino / Notes: "was not delivered to: ... because: ...", or a "Failure Reasons" section.

Your message
  Subject: Nyaan
was not delivered to:
  user@example.net
because:
  User user (user@example.net) not listed in Domino Directory
"""

from __future__ import annotations

import re

from mailcanary.bounce.dialects.base import ADDRESS, Section, compile_ci, read_sections
from mailcanary.bounce.message_view import MessageView
from mailcanary.bounce.model import Finding

_NOT_DELIVERED = Section(
    start=("^was not delivered to:",),
    head=compile_ci(rf"^\s*(?P<addr>{ADDRESS})\s*$"),
    end=("original message -", "returned message -"),
)
_REASONS = compile_ci(r"^-+\s*Failure Reasons\s*-+\s*$")
_RETURNED = compile_ci(r"^-+\s*Returned Message\s*-+")
_ONLY_ADDRESS = re.compile(rf"^\s*<?(?P<addr>{ADDRESS})>?\s*$")


class Domino:
    name = "domino"

    def detect(self, msg: MessageView) -> bool:
        mailer = msg.header("X-Mailer").lower()
        if "domino" in mailer or "lotus" in mailer:
            return True
        if msg.mentions("failure reasons") and _REASONS.search(msg.text) is not None:
            return True
        return "delivery failure" in msg.subject.lower() and msg.mentions("was not delivered to:")

    def parse(self, msg: MessageView) -> tuple[Finding, ...]:
        return read_sections(msg.text, (_NOT_DELIVERED,)) or _failure_reasons(msg.text)


def _failure_reasons(text: str) -> tuple[Finding, ...]:
    """In this layout the reason comes first and the address after it."""
    found: list[Finding] = []
    reason: list[str] = []
    inside = False
    for line in text.splitlines():
        if _REASONS.search(line):
            inside = True
        elif inside and _RETURNED.search(line):
            break
        elif inside and (address := _ONLY_ADDRESS.match(line)):
            found.append(Finding(address.group("addr"), diagnostic_code=" ".join(reason) or None))
            reason = []
        elif inside and line.strip():
            reason.append(line.strip())
    return tuple(found)


DOMINO = Domino()
