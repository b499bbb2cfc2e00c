"""Human-readable output for an SMTP canary result: swaks-style transcript, stages, recipients, verdict."""

from __future__ import annotations

from mailcanary.smtp.replies import classify
from mailcanary.smtp.result import SmtpResult, Stage

__all__ = ["conformance_failed", "render_result"]


def conformance_failed(result: SmtpResult) -> bool:
    """The server accepted at least one out-of-order command during the conformance probe."""
    return result.conformance is not None and bool(result.conformance.violations)


def _conformance_lines(result: SmtpResult) -> list[str]:
    conformance = result.conformance
    if conformance is None:
        return []
    lines = ["=== conformance probe (commands out of RFC 5321 order, on purpose)"]
    for probe in conformance.probes:
        if probe.violation:
            verdict = "VIOLATION: accepted"
        elif probe.conforming:
            verdict = "ok: refused as a sequence error"
        else:
            klass = probe.reply_class.value if probe.reply_class else "no reply"
            verdict = f"refused, but as {klass} rather than a sequence error"
        lines.append(f"  {probe.name}: {probe.command} -> {probe.reply or 'no reply'}")
        lines.append(f"      rule: {probe.rule}; {verdict}")
        if probe.note:
            lines.append(f"      note: {probe.note}")
    if conformance.error:
        lines.append(f"  probe incomplete: {conformance.error}")
    return lines


def render_result(result: SmtpResult) -> str:
    """The transcript, per-stage timings, recipients, conformance findings and a one-line verdict."""
    lines = [f"=== SMTP canary to {result.target}", result.transcript.render()]
    timings = "  ".join(f"{stage.value} {seconds * 1000:.1f}" for stage, seconds in result.durations)
    lines.append(f"=== stages (ms): {timings}")
    if result.tls:
        lines.append(f"=== TLS: {result.tls_version}")
    for outcome in result.recipients:
        state = "accepted" if outcome.accepted else f"refused ({outcome.reply_class.value})"
        lines.append(f"=== RCPT {outcome.address}: {outcome.reply} [{state}]")
    lines.extend(_conformance_lines(result))
    if result.ok:
        refused = len(result.refused_recipients)
        extra = f"; {refused} of {len(result.recipients)} recipients refused" if refused else ""
        ses_id = f"; SES message id {result.message_id}" if result.message_id else ""
        verdict = f"PASS: message accepted: {result.final_reply}{ses_id}{extra}"
        if conformance_failed(result):
            verdict = "FAIL: message accepted, but the server accepted out-of-order commands (see conformance)"
    else:
        klass = ""
        if result.failure_reply is not None:
            command = "DATA" if result.stage is Stage.DOT else result.stage.value.upper()
            klass = f" [{classify(result.failure_reply, command).value}]"
        verdict = f"FAIL at {result.stage.value} (exit {int(result.exit_code)}): {result.error}{klass}"
    lines.append(verdict)
    return "\n".join(lines)
