"""The send-time checks of one path, each a `Verdict` under its stable check name.

- `ses.api`: SES accepted the API call (else the classified error).
- `smtp.transport`: the SMTP session got the message accepted (250 after the final dot).
- `smtp.sequence`: the session followed RFC 5321 order on both sides (`mailcanary.smtp.validate`), judged on
  the canary's own commands; the deliberate out-of-order commands of the conformance probe are marked in the
  transcript and left out.
- `smtp.conformance`: when the probe ran, the server refused every out-of-order command as a sequence error.
- `recipients.header_vs_envelope`: the recipients in the MIME bytes we sent agree with the envelope we used
  (API Destinations / accepted RCPT TO) and with the intended To/Cc/Bcc; judged only when the message was
  handed over (a refused message was delivered to nobody, so its envelope says nothing).

One fault, one check: when the server ended the session by refusing a command as out of sequence (e.g. 503
to DATA after an accepted RCPT), `smtp.sequence` names it and `smtp.transport` records the refusal as
already reported instead of failing a second time.
"""

from __future__ import annotations

from collections.abc import Sequence

from mailcanary.core.checks import Check, Verdict
from mailcanary.recipients import RecipientPlan, compare, parse_header_recipients
from mailcanary.smtp import SequenceReport, SmtpResult, Transcript, validate

__all__ = [
    "api_verdict",
    "conformance_verdict",
    "header_vs_envelope_verdict",
    "sequence_verdict",
    "transport_verdict",
]

EVIDENCE_LINES = 40


def _evidence(transcript: Transcript) -> tuple[str, ...]:
    return tuple(line.render() for line in transcript.lines[-EVIDENCE_LINES:])


def api_verdict(path: str, error: str | None, classification: object = None) -> Verdict:
    """`ses.api`: passed when SES returned a message id; else SES's classified error."""
    if error is None:
        return Verdict(Check.SES_API, True, path, "SES accepted the message")
    return Verdict(Check.SES_API, False, path, error, expected="a MessageId", observed=classification)


def header_vs_envelope_verdict(path: str, raw: bytes, intended: RecipientPlan, envelope: Sequence[str]) -> Verdict:
    """`recipients.header_vs_envelope` from the bytes we sent and the envelope we used."""
    findings = compare(intended=intended, header=parse_header_recipients(raw), envelope=envelope)
    failing = [finding for finding in findings if finding.check is Check.RECIPIENTS_HEADER_VS_ENVELOPE]
    if not failing:
        return Verdict(Check.RECIPIENTS_HEADER_VS_ENVELOPE, True, path, "headers, envelope and intent agree")
    detail = "; ".join(f"{f.kind.value} {f.address} ({f.where}: {f.detail})" for f in failing[:5])
    return Verdict(
        Check.RECIPIENTS_HEADER_VS_ENVELOPE,
        False,
        path,
        detail,
        expected=sorted(intended.envelope),
        observed={"envelope": list(envelope), "findings": [f.as_dict() for f in failing]},
    )


def sequence_verdict(path: str, result: SmtpResult, *, tls_required: bool) -> tuple[Verdict, SequenceReport]:
    """`smtp.sequence` on the canary's own commands, and the report it was judged from."""
    # The conformance probe's lines are marked in the transcript; validate() leaves them out of the verdict.
    report = validate(result.transcript, tls_required=tls_required)
    if report.valid:
        return Verdict(Check.SMTP_SEQUENCE, True, path, f"{report.commands} commands in RFC 5321 order"), report
    problems = [f"client: {v.rule.value}: {v.explanation}" for v in report.violations]
    problems += [f"server refused {r.command!r} with {r.code}: {r.explanation}" for r in report.server_refusals]
    problems += [f"server accepted {a.command!r}: {a.explanation}" for a in report.server_acceptances]
    verdict = Verdict(
        Check.SMTP_SEQUENCE,
        False,
        path,
        "; ".join(problems[:3]),
        expected="RFC 5321 command order",
        observed=report.to_dict(),
        evidence=_evidence(result.transcript),
    )
    return verdict, report


def transport_verdict(path: str, result: SmtpResult, report: SequenceReport) -> Verdict:
    """`smtp.transport`: accepted, or the stage and reply that stopped it (unless `smtp.sequence` owns it)."""
    if result.ok:
        return Verdict(Check.SMTP_TRANSPORT, True, path, f"accepted: {result.final_reply}")
    if _ended_by_sequence_refusal(result, report):
        detail = f"ended at {result.stage.value.upper()} by a sequence refusal, reported under smtp.sequence"
        return Verdict(Check.SMTP_TRANSPORT, True, path, detail)
    return Verdict(
        Check.SMTP_TRANSPORT,
        False,
        path,
        f"{result.stage.value}: {result.error}",
        expected="250 after the final dot",
        observed={"stage": result.stage.value, "exit_code": int(result.exit_code), "error": result.error},
        evidence=_evidence(result.transcript),
    )


def _ended_by_sequence_refusal(result: SmtpResult, report: SequenceReport) -> bool:
    if result.failure_reply is None or not report.server_refusals:
        return False
    last = report.server_refusals[-1]
    stage_verb = {"dot": "DATA"}.get(result.stage.value, result.stage.value.upper())
    return last.code == result.failure_reply.code and last.command.upper().startswith(stage_verb)


def conformance_verdict(path: str, result: SmtpResult) -> Verdict | None:
    """`smtp.conformance` when the probe ran: every out-of-order command refused as a sequence error."""
    conformance = result.conformance
    if conformance is None:
        return None
    if conformance.passed:
        return Verdict(Check.SMTP_CONFORMANCE, True, path, f"{len(conformance.probes)} out-of-order commands refused")
    wrong = [f"{p.name}: {p.reply}" for p in conformance.probes if not p.conforming]
    detail = conformance.error or "; ".join(wrong) or "no probe ran"
    return Verdict(
        Check.SMTP_CONFORMANCE,
        False,
        path,
        detail,
        expected="each out-of-order command refused with a sequence error (503 / x.5.1)",
        observed=conformance.to_dict(),
        evidence=_evidence(result.transcript),
    )
