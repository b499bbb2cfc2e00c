"""`smtp-probe --plugin-output`: one status line with perfdata in the monitoring-plugin format.

The format Nagios, Icinga, Checkmk, Sensu and Zabbix's agent checks read (the Monitoring Plugins development
guidelines): `SERVICE STATUS - text | 'label'=value[UOM];[warn];[crit];[min];[max] ...`, and the exit status
0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. Thresholds are plain upper bounds in seconds, on the whole session
(`time`) or one stage (`connect`, `banner`, `ehlo`, `starttls`, `auth`, `mail`, `rcpt`, `data`, `dot`, `quit`),
as `check_smtp -w/-c` are on its response time; certificate expiry is checked like `check_smtp -D warn[,crit]`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum

from mailcanary.core.errors import UsageError
from mailcanary.smtp.certificate import days_left
from mailcanary.smtp.result import SmtpResult, Stage

__all__ = [
    "CertificateDays",
    "PluginReport",
    "PluginStatus",
    "Thresholds",
    "evaluate",
    "parse_certificate_days",
    "parse_thresholds",
]

TOTAL = "time"  # the perfdata label of the whole session, as check_smtp names it


class PluginStatus(IntEnum):
    """The monitoring-plugin exit statuses."""

    OK = 0
    WARNING = 1
    CRITICAL = 2
    UNKNOWN = 3


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Upper bounds in seconds: on the whole session (`total`) and per stage."""

    total: float | None = None
    stages: dict[Stage, float] = field(default_factory=dict)

    def bound(self, label: str) -> float | None:
        return self.total if label == TOTAL else self.stages.get(Stage(label))


@dataclass(frozen=True, slots=True)
class CertificateDays:
    """Warn (and, when given, go critical) when the certificate expires within so many days."""

    warning: float
    critical: float | None = None


@dataclass(frozen=True, slots=True)
class PluginReport:
    status: PluginStatus
    summary: str
    perfdata: tuple[str, ...]

    def line(self) -> str:
        head = f"SMTP {self.status.name} - {self.summary}"
        return f"{head} | {' '.join(self.perfdata)}" if self.perfdata else head


def parse_thresholds(values: Iterable[str], option: str) -> Thresholds:
    """`5` (the whole session), `connect=1,dot=3` (stages), or both, repeatable; seconds, positive."""
    total: float | None = None
    stages: dict[Stage, float] = {}
    for value in values:
        for item in filter(None, (part.strip() for part in value.split(","))):
            label, separator, number = item.rpartition("=")
            seconds = _seconds(number, option, item)
            if not separator or label == TOTAL:
                total = seconds
                continue
            try:
                stages[Stage(label)] = seconds
            except ValueError:
                names = ", ".join([TOTAL, *(stage.value for stage in Stage)])
                raise UsageError(f"{option} {item!r}: unknown stage {label!r} (one of {names})") from None
    return Thresholds(total, stages)


def parse_certificate_days(text: str) -> CertificateDays:
    """`30` (warn within 30 days) or `30,7` (warn within 30, critical within 7), like `check_smtp -D`."""
    warning_text, comma, critical_text = text.partition(",")
    warning = _days(warning_text, text)
    critical = _days(critical_text, text) if comma else None
    if critical is not None and critical > warning:
        raise UsageError(f"--certificate-days {text!r}: the critical days must not exceed the warning days")
    return CertificateDays(warning, critical)


def evaluate(
    result: SmtpResult,
    *,
    conformance_failed: bool,
    warning: Thresholds,
    critical: Thresholds,
    certificate_days: CertificateDays | None,
    now: datetime,
) -> PluginReport:
    """The status of one probe: CRITICAL when the session failed, else the worst of the thresholds, the
    certificate, refused recipients and the conformance probe."""
    timings = _timings(result)
    perfdata = tuple(_perf(label, seconds, warning, critical) for label, seconds in timings)
    certificate_text, certificate_status, certificate_perf = _certificate(result, certificate_days, now)
    perfdata += certificate_perf
    if not result.ok:
        error = result.error or "failed"
        summary = f"{result.target} failed at {result.stage.value} (exit {int(result.exit_code)}): {error}"
        return PluginReport(PluginStatus.CRITICAL, summary, perfdata)
    findings: list[tuple[PluginStatus, str]] = [certificate_status] if certificate_status else []
    for label, seconds in timings:
        for status, bounds in ((PluginStatus.CRITICAL, critical), (PluginStatus.WARNING, warning)):
            bound = bounds.bound(label)
            if bound is not None and seconds > bound:
                findings.append((status, f"{label} {seconds:.3f}s > {status.name.lower()} {bound:g}s"))
                break
    refused = len(result.refused_recipients)
    if refused:
        findings.append((PluginStatus.WARNING, f"{refused} of {len(result.recipients)} recipients refused"))
    if conformance_failed:
        findings.append((PluginStatus.WARNING, "the server accepted out-of-order commands"))
    status = max((status for status, _ in findings), default=PluginStatus.OK)
    total = timings[0][1]
    summary = f"{result.target} accepted in {total:.3f}s ({certificate_text})"
    reasons = [text for found, text in findings if found is status and found is not PluginStatus.OK]
    if reasons:
        summary += ": " + "; ".join(reasons)
    return PluginReport(status, summary, perfdata)


def _timings(result: SmtpResult) -> list[tuple[str, float]]:
    stages = [(stage.value, seconds) for stage, seconds in result.durations]
    return [(TOTAL, sum(seconds for _, seconds in stages)), *stages]


def _perf(label: str, seconds: float, warning: Thresholds, critical: Thresholds) -> str:
    return f"{label}={seconds:.6f}s;{_bound(warning.bound(label))};{_bound(critical.bound(label))};0"


def _certificate(
    result: SmtpResult, wanted: CertificateDays | None, now: datetime
) -> tuple[str, tuple[PluginStatus, str] | None, tuple[str, ...]]:
    if not result.tls:
        return "no TLS", None, ()
    expiry = result.certificate_not_after
    if expiry is None:
        unknown = (PluginStatus.UNKNOWN, "certificate expiry unknown") if wanted else None
        return f"{result.tls_version}, certificate expiry unknown", unknown, ()
    days = days_left(expiry, now)
    text = f"{result.tls_version}, certificate expires {expiry:%Y-%m-%d %H:%M} UTC, in {days:.1f} days"
    bounds = f"{_bound(wanted.warning)};{_bound(wanted.critical)}" if wanted else ";"
    perf = (f"certificate_days={days:.2f};{bounds}",)
    if wanted is None:
        return text, None, perf
    if wanted.critical is not None and days <= wanted.critical:
        return text, (PluginStatus.CRITICAL, f"certificate expires within {wanted.critical:g} days"), perf
    if days <= wanted.warning:
        return text, (PluginStatus.WARNING, f"certificate expires within {wanted.warning:g} days"), perf
    return text, None, perf


def _bound(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _seconds(text: str, option: str, item: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        raise UsageError(f"{option} {item!r}: expected SECONDS or STAGE=SECONDS") from None
    if not seconds > 0 or seconds == float("inf"):
        raise UsageError(f"{option} {item!r}: seconds must be positive and finite")
    return seconds


def _days(text: str, whole: str) -> float:
    try:
        days = float(text)
    except ValueError:
        raise UsageError(f"--certificate-days {whole!r}: expected DAYS or WARN,CRIT") from None
    if not 0 <= days < 100_000:
        raise UsageError(f"--certificate-days {whole!r}: days must be between 0 and 100000")
    return days
