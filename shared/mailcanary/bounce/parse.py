"""`parse_bounce`: one message in, one `BounceReport` out.

Order of evidence: an ARF feedback report; an RFC 3464 delivery-status part; the non-standard dialects;
then, for what none of them claimed, "from a mailer daemon" (a bounce we cannot attribute) and RFC 3834
auto-replies. Anything else is `not_bounce` with no recipients.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from mailcanary.bounce.addresses import addresses_in, clean_address
from mailcanary.bounce.arf import read_feedback_report
from mailcanary.bounce.autoreply import is_auto_reply, looks_like_unparsed_bounce
from mailcanary.bounce.dialects import DIALECTS, FREETEXT
from mailcanary.bounce.dialects.freetext import notice_about
from mailcanary.bounce.dsn import read_delivery_status
from mailcanary.bounce.errors import BounceParseError, BounceTooLargeError
from mailcanary.bounce.message_view import MessageView
from mailcanary.bounce.model import BouncedRecipient, BounceKind, BounceReport, Finding
from mailcanary.bounce.reasons import Reason, best_status, classify, inferred_status
from mailcanary.bounce.smtp_command import refused_command

__all__ = ["MAX_MESSAGE_BYTES", "parse_bounce"]

MAX_MESSAGE_BYTES = 25 * 1024 * 1024  # larger than any bounce a sane MTA writes
_REPORTED_ACTIONS = frozenset({"failed", "delayed"})  # a DSN's delivered/relayed/expanded lines are not news


def parse_bounce(data: bytes) -> BounceReport:
    """Read one message (bytes as received) and say what kind of report it is and about whom.

    Raises `BounceParseError` for input that is not a message at all (empty), and its subclasses for input
    over a limit: `BounceTooLargeError` (over `MAX_MESSAGE_BYTES`), `BounceTooDeepError` (MIME nesting).
    """
    if not isinstance(data, bytes | bytearray):
        raise BounceParseError(f"expected the message as bytes, got {type(data).__name__}")
    if not data or data.isspace():  # (no stripped copy of a large message just to see it is blank)
        raise BounceParseError("empty input: no message to read")
    if len(data) > MAX_MESSAGE_BYTES:
        raise BounceTooLargeError(f"message of {len(data)} bytes exceeds the {MAX_MESSAGE_BYTES}-byte limit")
    try:
        return _report(MessageView.from_bytes(data if isinstance(data, bytes) else bytes(data)))
    except UnicodeError as exc:  # a declared charset whose codec rejects the stdlib's own decoding of a payload
        raise BounceParseError(f"unreadable message: {exc}") from exc
    # (An unknown charset is no error: every decoding falls back. A LookupError here would be a KeyError or an
    # IndexError, a defect to see, not an unreadable message.)


def _report(view: MessageView) -> BounceReport:
    feedback = read_feedback_report(view)
    if feedback is not None:
        recipients = tuple(
            BouncedRecipient(address, None, None, None, Reason.COMPLAINT, hard=False) for address in feedback.recipients
        )
        return BounceReport(
            BounceKind.COMPLAINT, recipients, "arf", None, view.original_message_id, feedback.feedback_type
        )
    status = read_delivery_status(view)
    if status is not None:
        return _from_findings(view, "rfc3464", status.recipients, status.reporting_mta)
    for dialect in DIALECTS:
        if dialect.detect(view):
            findings = dialect.parse(view)
            if findings:
                return _from_findings(view, dialect.name, findings, None)
    if looks_like_unparsed_bounce(view):
        findings = FREETEXT.parse(view)
        if findings:
            return _from_findings(view, FREETEXT.name, findings, None)
        return BounceReport(BounceKind.BOUNCE, (), "unknown", None, view.original_message_id)
    if is_auto_reply(view):
        repliers = addresses_in([view.header("From")])[:1]
        replier = tuple(BouncedRecipient(a, None, None, None, Reason.AUTO_REPLY, hard=False) for a in repliers)
        return BounceReport(BounceKind.AUTO_REPLY, replier, "rfc3834", None, view.original_message_id)
    return BounceReport(BounceKind.NOT_BOUNCE)


def _from_findings(
    view: MessageView, dialect: str, findings: tuple[Finding, ...], reporting_mta: str | None
) -> BounceReport:
    reported = [f for f in _addressed(findings) if (f.action or "failed") in _REPORTED_ACTIONS]
    if not reported:  # a success DSN ("delivered", "relayed", "expanded")
        return BounceReport(BounceKind.NOT_BOUNCE, (), dialect, reporting_mta, view.original_message_id)
    notice_command: list[str | None] = []  # the notice's refused command, read once and only if needed

    def command_in_notice() -> str | None:
        if not notice_command:
            notice_command.append(refused_command(view.text))
        return notice_command[0]

    recipients = tuple(_recipient(finding, reporting_mta, view, command_in_notice) for finding in reported)
    kind = BounceKind.BOUNCE if any(r.action == "failed" for r in recipients) else BounceKind.DELAY
    return BounceReport(kind, recipients, dialect, reporting_mta, view.original_message_id)


def _addressed(findings: tuple[Finding, ...]) -> list[Finding]:
    """Findings whose address is a real `local@domain` (a dialect may have read a pipe, a path or a route)."""
    kept: dict[str, Finding] = {}
    for finding in findings:
        address = clean_address(finding.address) or clean_address(finding.original_recipient)
        key = address.lower() if address is not None else ""
        if address is not None and key not in kept:
            original = clean_address(finding.original_recipient)
            unchanged = address == finding.address and original == finding.original_recipient
            kept[key] = finding if unchanged else replace(finding, address=address, original_recipient=original)
    return list(kept.values())


def _recipient(
    finding: Finding, reporting_mta: str | None, view: MessageView, command_in_notice: Callable[[], str | None]
) -> BouncedRecipient:
    if not finding.diagnostic_code and view.text:  # the report's own words about this recipient, then
        finding = replace(finding, diagnostic_code=notice_about(view.text, finding.address))
    status = finding.status or best_status(finding.diagnostic_code)
    action = finding.action or "failed"
    diagnostic = finding.diagnostic_code
    verdict = classify(
        status, diagnostic, action, lambda: refused_command(diagnostic) or command_in_notice(), finding.reason
    )
    status = status or inferred_status(verdict.reason, finding.diagnostic_code, action)
    return BouncedRecipient(
        address=finding.address,
        action=action,
        status=status,
        diagnostic_code=finding.diagnostic_code,
        reason=verdict.reason,
        hard=verdict.hard and action == "failed",  # a delay is never a hard bounce
        original_recipient=finding.original_recipient,
        remote_mta=finding.remote_mta,
        reporting_mta=reporting_mta,
        last_attempt_date=finding.last_attempt_date,
    )
