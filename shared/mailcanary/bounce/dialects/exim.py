"""Exim: `X-Failed-Recipients`, "The following address(es) failed:", and its delay warnings.

A message that you sent could not be delivered to one or more of its
recipients. This is a permanent error. The following address(es) failed:

  user@example.net
    SMTP error from remote mail server after RCPT TO:<user@example.net>:
    host mx.example.net [192.0.2.1]: 550 5.1.1 <user@example.net>: User unknown
"""

from __future__ import annotations

from mailcanary.bounce.addresses import addresses_in
from mailcanary.bounce.dialects.base import ADDRESS, Section, compile_ci, read_sections
from mailcanary.bounce.message_view import MessageView
from mailcanary.bounce.model import Finding

_HEAD = compile_ci(rf"^ {{0,3}}<?(?P<addr>{ADDRESS})>?(?::\s*(?P<rest>.*))?\s*$")
_COPY = ("^------ this is a copy of the message", "^no action is required")
_FAILED = Section(start=("following address(es) failed",), head=_HEAD, end=_COPY)
_DELAYED = Section(start=("has not yet been delivered to one or more of its",), head=_HEAD, end=_COPY, action="delayed")


class Exim:
    name = "exim"

    def detect(self, msg: MessageView) -> bool:
        failed = msg.has_header("X-Failed-Recipients")
        return failed or msg.mentions("created automatically by mail delivery software")

    def parse(self, msg: MessageView) -> tuple[Finding, ...]:
        found = read_sections(msg.text, (_FAILED, _DELAYED))
        named = {finding.address.lower() for finding in found}
        listed = addresses_in([str(value) for value in msg.message.get_all("X-Failed-Recipients") or []])
        extra = tuple(Finding(address) for address in listed if address.lower() not in named)
        return found + tuple(dict.fromkeys(extra))


EXIM = Exim()
