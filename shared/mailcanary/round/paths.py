"""The two path executors of a round: hand one canary to SES through the API or to one SMTP target.

Each returns a `PathSendResult` and never raises for anything the service, the server or the network does, so
one broken target cannot take the other paths of the round down with it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from mailcanary.core.checks import Check, PathKind, Verdict
from mailcanary.core.errors import MailcanaryError
from mailcanary.message import CanaryMessage
from mailcanary.recipients import RecipientPlan
from mailcanary.round.checks import (
    api_verdict,
    conformance_verdict,
    header_vs_envelope_verdict,
    sequence_verdict,
    transport_verdict,
)
from mailcanary.round.fingerprint import sent_fingerprint
from mailcanary.round.result import PathSendResult
from mailcanary.ses.api import SesApiSender
from mailcanary.ses.errors import SesSendError
from mailcanary.smtp import SmtpTarget, TlsMode, send_canary

__all__ = ["ApiPath", "SmtpPath", "overran", "run_api_path", "run_smtp_path"]


@dataclass(frozen=True)
class ApiPath:
    """The SES API path of a round: the sender, what to send, and to which Destinations."""

    name: str
    target: str  # "ses-api:<region>"
    sender: SesApiSender
    source: str
    destinations: tuple[str, ...]
    configuration_set: str | None
    message: CanaryMessage
    intended: RecipientPlan
    awaits_ses_events: bool = True  # False: sent outside the configuration set's region


@dataclass(frozen=True)
class SmtpPath:
    """One SMTP path of a round: the target (with its password as a `Secret`), what to send, to whom."""

    name: str
    target: str  # the configured target name
    smtp: SmtpTarget | None  # None when the target could not be set up (see `setup_error`)
    mail_from: str
    recipients: tuple[str, ...]
    message: CanaryMessage
    intended: RecipientPlan
    conformance: bool
    setup_error: str | None = None
    awaits_ses_events: bool = True  # False: an SES SMTP endpoint outside the configuration set's region


def _ms_since(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def run_api_path(path: ApiPath) -> PathSendResult:
    """SendRawEmail / SendEmail(raw) to exactly `destinations`, then the send-time checks."""
    started = time.perf_counter()
    try:
        sent = path.sender.send(
            path.message.raw,
            source=path.source,
            destinations=path.destinations,
            configuration_set=path.configuration_set,
        )
    except SesSendError as exc:
        classification = {"code": exc.classification.code, "reason": exc.reason.value, "transient": exc.transient}
        verdict = api_verdict(path.name, str(exc), classification)
        return _failed(path.name, PathKind.API, path.target, path.destinations, verdict, _ms_since(started))
    except MailcanaryError as exc:  # an address refused before anything left (injection, malformed)
        verdict = api_verdict(path.name, f"not sent: {exc}")
        return _failed(path.name, PathKind.API, path.target, path.destinations, verdict, _ms_since(started))
    send_ms = _ms_since(started)
    verdicts = (
        api_verdict(path.name, None),
        header_vs_envelope_verdict(path.name, sent.raw, path.intended, sent.destinations),
    )
    return PathSendResult(
        path.name,
        PathKind.API,
        path.target,
        True,
        sent.message_id,
        sent.destinations,
        verdicts,
        send_ms,
        path.awaits_ses_events,
        sent_fingerprint(path.message),
    )


def run_smtp_path(path: SmtpPath, *, not_after: float | None = None) -> PathSendResult:
    """One SMTP session (strictly in order inside itself), ended by `not_after` (`time.monotonic()`, the round's
    budget) at the latest, then the send-time checks."""
    started = time.perf_counter()
    if path.smtp is None:
        verdict = Verdict(Check.SMTP_TRANSPORT, False, path.name, f"not attempted: {path.setup_error}")
        return _failed(path.name, PathKind.SMTP, path.target, (), verdict, 0.0)
    try:
        result = send_canary(
            path.smtp,
            path.mail_from,
            path.recipients,
            path.message.raw,
            conformance=path.conformance,
            not_after=not_after,
        )
    except MailcanaryError as exc:  # e.g. an unreadable CA file: the session could not even start
        verdict = Verdict(Check.SMTP_TRANSPORT, False, path.name, f"not attempted: {exc}")
        return _failed(path.name, PathKind.SMTP, path.target, (), verdict, _ms_since(started))
    send_ms = _ms_since(started)
    sequence, report = sequence_verdict(path.name, result, tls_required=path.smtp.tls is not TlsMode.NONE)
    verdicts = [transport_verdict(path.name, result, report), sequence]
    conformance = conformance_verdict(path.name, result)
    if conformance is not None:
        verdicts.append(conformance)
    envelope = result.accepted_recipients
    if result.ok:
        verdicts.append(header_vs_envelope_verdict(path.name, path.message.raw, path.intended, envelope))
    return PathSendResult(
        path.name,
        PathKind.SMTP,
        path.target,
        result.ok,
        result.message_id,
        envelope,
        tuple(verdicts),
        send_ms,
        path.awaits_ses_events,
        sent_fingerprint(path.message) if result.ok else None,
        result.certificate_not_after,
        transcript=result.transcript.render(),
    )


def overran(name: str, kind: PathKind, target: str, budget_seconds: float) -> PathSendResult:
    """A path that had not returned when the round stopped waiting: failed at its transport (`ses.api` or
    `smtp.transport`), as timed out."""
    check = Check.SES_API if kind is PathKind.API else Check.SMTP_TRANSPORT
    detail = f"timed out: no result within the round's time budget ({budget_seconds:g} s)"
    verdict = Verdict(check, False, name, detail)
    return _failed(name, kind, target, (), verdict, budget_seconds * 1000)


def _failed(
    name: str, kind: PathKind, target: str, envelope: Sequence[str], verdict: Verdict, send_ms: float
) -> PathSendResult:
    return PathSendResult(name, kind, target, False, None, tuple(envelope), (verdict,), send_ms)
