"""`smtp-probe --plugin-output`: the probe run for a monitoring system, as one plugin status line.

Every outcome is a status the monitoring system understands: a failed session is CRITICAL, bad arguments are
UNKNOWN (3, as the plugin guidelines ask, not the CLI's usual 2), thresholds and the certificate give WARNING
or CRITICAL. The line passes the same redaction as every other output.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from mailcanary.cli.plugin_output import (
    PluginReport,
    PluginStatus,
    evaluate,
    parse_certificate_days,
    parse_thresholds,
)
from mailcanary.cli.smtp_output import conformance_failed
from mailcanary.core.errors import UsageError
from mailcanary.core.redaction import NO_SECRETS, SecretForms, redact_text
from mailcanary.smtp.session import send_canary

if TYPE_CHECKING:
    from mailcanary.smtp.probe_message import ProbeMessage
    from mailcanary.smtp.target import SmtpTarget

__all__ = ["EXIT_CLOSED_PIPE", "run_plugin"]

EXIT_CLOSED_PIPE = 141
Prepare = Callable[[argparse.Namespace], "tuple[SmtpTarget, str, ProbeMessage]"]


def run_plugin(args: argparse.Namespace, prepare: Prepare, write: Callable[[str], bool]) -> int:
    """Probe once and print the plugin line; the exit status is the plugin status."""
    try:
        if args.json:
            raise UsageError("--plugin-output and --json are exclusive")
        warning = parse_thresholds(args.warning, "--warning")
        critical = parse_thresholds(args.critical, "--critical")
        certificate_days = parse_certificate_days(args.certificate_days) if args.certificate_days else None
        target, mail_from, message = prepare(args)
    except UsageError as exc:
        return _print(PluginReport(PluginStatus.UNKNOWN, str(exc), ()), NO_SECRETS, write)
    result = send_canary(target, mail_from, message.envelope_recipients, message.content, conformance=args.conformance)
    report = evaluate(
        result,
        conformance_failed=conformance_failed(result),
        warning=warning,
        critical=critical,
        certificate_days=certificate_days,
        now=datetime.now(UTC),
    )
    password = target.password.reveal() if target.password is not None else ""
    forms = SecretForms.of(target.username, (password,)) if password else NO_SECRETS
    return _print(report, forms, write)


def _print(report: PluginReport, forms: SecretForms, write: Callable[[str], bool]) -> int:
    # One line, and no "|" in the text part: the monitoring system splits the perfdata off at the first one.
    summary = " ".join(redact_text(report.summary, forms).split()).replace("|", "/")
    line = PluginReport(report.status, summary, report.perfdata).line()
    return int(report.status) if write(line) else EXIT_CLOSED_PIPE
