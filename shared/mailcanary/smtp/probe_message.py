"""A minimal canary message for an SMTP probe, built with the standard library's `email` package.

To and Cc go in the headers; Bcc recipients exist only on the envelope (RCPT TO), as a mail client would
send them, so the probe also shows whether a server keeps header and envelope recipients apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from email import policy
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, localtime, make_msgid

from mailcanary.smtp.errors import SmtpPathError

__all__ = ["ProbeMessage", "build_probe_message", "parse_address"]


@dataclass(frozen=True, slots=True)
class ProbeMessage:
    """The bytes to send (CRLF, `policy.SMTP`), its Message-ID, and the envelope recipients."""

    content: bytes
    message_id: str
    envelope_recipients: tuple[str, ...]


def parse_address(text: str) -> str:
    """Validate one bare address (`user@example.com`) with `headerregistry`; raise `SmtpPathError` if bad."""
    try:
        address = Address(addr_spec=text.strip())
    except (HeaderParseError, ValueError, IndexError) as exc:
        raise SmtpPathError(f"invalid address {text!r}: {exc}") from exc
    if not address.username or not address.domain:
        raise SmtpPathError(f"invalid address {text!r}: needs local part and domain")
    return address.addr_spec


def build_probe_message(
    mail_from: str,
    to: Sequence[str],
    cc: Sequence[str] = (),
    bcc: Sequence[str] = (),
    *,
    subject: str = "mailcanary SMTP probe",
) -> ProbeMessage:
    """Build the probe message; every address is validated first."""
    sender = parse_address(mail_from)
    to_list, cc_list, bcc_list = ([parse_address(each) for each in group] for group in (to, cc, bcc))
    if not to_list:
        raise SmtpPathError("at least one To recipient is needed")
    domain = sender.rpartition("@")[2]
    message_id = make_msgid(idstring="mailcanary", domain=domain)
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = sender
    message["To"] = ", ".join(to_list)
    if cc_list:
        message["Cc"] = ", ".join(cc_list)
    message["Subject"] = subject
    message["Date"] = format_datetime(localtime())
    message["Message-ID"] = message_id
    message.set_content("This is a mailcanary SMTP probe. It needs no action.\n", cte="7bit")
    recipients = tuple(dict.fromkeys(to_list + cc_list + bcc_list))
    return ProbeMessage(message.as_bytes(), message_id, recipients)
