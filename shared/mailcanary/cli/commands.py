"""The sub-command registry: name -> (module, one-line help), so the parser imports only the command run.

Each module has `register(subparsers)`, which adds the full parser of its command; the others appear in
`mailcanary --help` from their help line alone, at no import cost.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["COMMANDS", "chosen"]

COMMANDS: dict[str, tuple[str, str]] = {
    "demo": (
        "mailcanary.cli.demo",
        "run the whole monitor locally (moto, SES-like SMTP endpoint, SES event emulator) with a fault lab",
    ),
    "smtp-probe": ("mailcanary.cli.smtp_probe", "send one SMTP canary; print the transcript and verdict"),
    "check-transcript": (
        "mailcanary.cli.check_transcript",
        "check an SMTP transcript, debug log, server log or packet capture against RFC 5321 command order",
    ),
    "ses-send": ("mailcanary.cli.ses_send", "send one canary through the SES API"),
    "preflight": ("mailcanary.cli.preflight", "check a raw message's recipients against its Destinations"),
    "parse-bounce": ("mailcanary.cli.parse_bounce", "explain bounce messages and SES event JSON"),
    "smtp-password": (
        "mailcanary.cli.smtp_password",
        "derive the SES SMTP password from a secret access key (read from stdin or an env variable)",
    ),
    "cost": ("mailcanary.cli.cost", "estimate the monthly AWS cost of the default deployment"),
    "redrive-ses-events": ("mailcanary.cli.redrive", "replay SES events from the dead-letter queue"),
    "doctor": ("mailcanary.cli.doctor", "check a deployed stack and the SES account (read-only)"),
    "history": (
        "mailcanary.cli.history",
        "list recorded canary rounds: verdicts with evidence, latencies, artifacts",
    ),
    "report": (
        "mailcanary.cli.report",
        "write the rounds of a time window as one self-contained HTML page (charts, latency, failures)",
    ),
}


def chosen(argv: Sequence[str]) -> str | None:
    """The sub-command named on the command line (the first word that is one), or None."""
    return next((word for word in argv if word in COMMANDS), None)
