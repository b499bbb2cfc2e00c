"""Build one canary message: an `EmailMessage` with `policy.SMTP`, a canary id in its own header and in the
Message-ID, and recipients split the way SES needs them (To/Cc in the MIME, Bcc only on the envelope).

Default recipients are SES mailbox-simulator addresses whose `+label` is the canary id, so every SES event
can be traced back to its run without a real mailbox.
"""

from __future__ import annotations

import base64
import re
import secrets
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import make_msgid
from typing import Any

from mailcanary.core.errors import UsageError
from mailcanary.recipients import RecipientAddressError, RecipientPlan, normalise_domain, to_address
from mailcanary.ses.simulator import Scenario, simulator_address

__all__ = [
    "CANARY_ID_HEADER",
    "SES_CONFIGURATION_SET_HEADER",
    "SES_MESSAGE_TAGS_HEADER",
    "CanaryMessage",
    "build_canary",
    "default_recipients",
    "new_canary_id",
    "restamp",
]

CANARY_ID_HEADER = "X-Mailcanary-Id"
# Read and stripped by SES's SMTP interface before delivery (the API path passes these as parameters).
SES_CONFIGURATION_SET_HEADER = "X-SES-CONFIGURATION-SET"
SES_MESSAGE_TAGS_HEADER = "X-SES-MESSAGE-TAGS"


class _OneAddressPerFold(EmailPolicy):
    """`policy.SMTP`, except that an address list is folded one address at a time.

    CPython 3.11 and 3.12 fold `a@x, Zoë <z@y>` by encoding the separating comma into the next display
    name's encoded word (`=?utf-8?q?=2C?=`), merging two recipients into one invalid mailbox (fixed in 3.13).
    Folding each address alone and joining them with ",<CRLF> " never puts a comma near an encoded word.
    """

    def fold(self, name: str, value: Any) -> str:
        return self._fold_list(name, value) or super().fold(name, value)

    def fold_binary(self, name: str, value: Any) -> bytes:
        folded = self._fold_list(name, value)
        return folded.encode("ascii") if folded else super().fold_binary(name, value)

    def _fold_list(self, name: str, value: Any) -> str | None:
        groups = getattr(value, "groups", ())
        if len(groups) < 2 or any(group.display_name is not None for group in groups):
            return None
        prefix = f"{name}: "
        pieces = [self.header_factory(name, [group.addresses[0]]).fold(policy=self) for group in groups]
        return prefix + f",{self.linesep} ".join(p[len(prefix) :].rstrip("\r\n") for p in pieces) + self.linesep


_POLICY = _OneAddressPerFold(linesep="\r\n")  # policy.SMTP plus the folding fix
_CANARY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_SES_TAG = re.compile(r"[A-Za-z0-9_-]{1,256}")


@dataclass(frozen=True, eq=False)
class CanaryMessage:
    """A built canary: the message, its exact bytes, and who it is addressed to (normalised)."""

    message: EmailMessage
    raw: bytes
    canary_id: str
    message_id: str
    header_recipients: tuple[str, ...]  # To + Cc, as written into the MIME
    envelope_recipients: tuple[str, ...]  # To + Cc + Bcc: the API Destinations / SMTP RCPT TO
    plan: RecipientPlan = field(default_factory=RecipientPlan)


def new_canary_id(clock_ns: Callable[[], int] = time.time_ns) -> str:
    """A short, time-sortable id, safe as a `+label` and inside a Message-ID: 16 lower-case base32hex chars.

    48 bits of milliseconds (from `clock_ns`, nanoseconds since the epoch) then 32 random bits; base32hex keeps
    byte order in string order.
    """
    value = (clock_ns() // 1_000_000) << 32 | secrets.randbits(32)
    return base64.b32hexencode(value.to_bytes(10, "big")).decode("ascii").lower()


def default_recipients(canary_id: str, scenarios: Iterable[Scenario] = (Scenario.SUCCESS,)) -> tuple[str, ...]:
    """Mailbox-simulator addresses, one per scenario, each labelled with the canary id."""
    return tuple(simulator_address(scenario, canary_id) for scenario in scenarios)


def build_canary(
    canary_id: str,
    sender: str,
    to: Sequence[str],
    cc: Sequence[str] = (),
    bcc: Sequence[str] = (),
    *,
    subject: str | None = None,
    configuration_set: str | None = None,
    message_tags: Mapping[str, str] | None = None,
    ses_smtp_headers: bool = False,
    date: datetime | None = None,
) -> CanaryMessage:
    """The canary message for one path; Bcc recipients never appear in the MIME.

    Raises `RecipientInjectionError` / `RecipientAddressError` for unusable addresses and `UsageError` for a
    bad canary id or SES tag. `ses_smtp_headers` adds the SES SMTP-interface headers (configuration set,
    message tags) that the API path passes as parameters instead.
    """
    if not _CANARY_ID.fullmatch(canary_id):
        raise UsageError(f"canary id {canary_id!r} must be 1-64 letters, digits, '-' or '_'")
    if not to and not cc and not bcc:
        raise UsageError("a canary needs at least one recipient")
    from_address = _mailbox(sender)
    to_list, cc_list, bcc_list = (tuple(map(_mailbox, group)) for group in (to, cc, bcc))
    message = EmailMessage(policy=_POLICY)
    message_id = make_msgid(idstring=canary_id, domain=from_address.domain)
    message["Message-ID"] = message_id
    message["Date"] = date or datetime.now(UTC)
    message["From"] = from_address
    if to_list:
        message["To"] = to_list
    if cc_list:
        message["Cc"] = cc_list
    message["Subject"] = subject if subject is not None else f"mailcanary {canary_id}"
    message[CANARY_ID_HEADER] = canary_id
    if ses_smtp_headers:
        if configuration_set:
            message[SES_CONFIGURATION_SET_HEADER] = _ses_name(configuration_set)
        if message_tags:
            tags = ", ".join(f"{_ses_name(name)}={_ses_name(value)}" for name, value in message_tags.items())
            message[SES_MESSAGE_TAGS_HEADER] = tags
    message.set_content(f"mailcanary canary {canary_id}\n\nThis message tests mail delivery. No action is needed.\n")
    plan = RecipientPlan(*(tuple(a.addr_spec for a in group) for group in (to_list, cc_list, bcc_list)))
    return CanaryMessage(
        message=message,
        raw=message.as_bytes(),
        canary_id=canary_id,
        message_id=message_id,
        header_recipients=plan.visible,
        envelope_recipients=plan.envelope,
        plan=plan,
    )


def restamp(canary: CanaryMessage) -> CanaryMessage:
    """The same canary under a fresh Message-ID: one message per path at a fraction of `build_canary`'s cost.

    Every path of a round sends its own copy, and mailbox providers collapse copies that share a Message-ID,
    so each path needs its own. Building the message again parses every header anew; here the already-parsed
    header objects and the encoded body are reused, so only the new Message-ID is parsed and the message
    serialised (the bytes differ from `canary.raw` in that header alone).
    """
    message_id = make_msgid(idstring=canary.canary_id, domain=canary.message["From"].addresses[0].domain)
    message = EmailMessage(policy=_POLICY)
    for name, value in canary.message.items():  # a header object under its own name is stored as it is
        message[name] = message_id if name.lower() == "message-id" else value
    message.set_payload(canary.message.get_payload())
    return replace(canary, message=message, raw=message.as_bytes(), message_id=message_id)


def _mailbox(value: str) -> Address:
    """One address, parsed by the header registry, its domain in A-label form; SES takes no UTF-8 local part."""
    address = to_address(value)
    if not address.username.isascii():
        raise RecipientAddressError(f"{value!r}: a non-ASCII local part needs SMTPUTF8, which SES does not offer")
    if not address.domain:
        raise RecipientAddressError(f"{value!r} has no domain")
    return Address(address.display_name, address.username, normalise_domain(address.domain))


def _ses_name(value: str) -> str:
    if not _SES_TAG.fullmatch(value):
        raise UsageError(f"SES names and tags allow only letters, digits, '_' and '-' (1-256): {value!r}")
    return value
