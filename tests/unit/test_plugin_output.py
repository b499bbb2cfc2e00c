"""The monitoring-plugin status line: statuses, thresholds, perfdata and certificate expiry from a probe result."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mailcanary.cli.plugin_output import (
    CertificateDays,
    PluginStatus,
    Thresholds,
    evaluate,
    parse_certificate_days,
    parse_thresholds,
)
from mailcanary.core.errors import UsageError
from mailcanary.smtp.replies import Reply
from mailcanary.smtp.result import ExitCode, RecipientOutcome, SmtpResult, Stage

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
NONE = Thresholds()
ACCEPTED = RecipientOutcome("to@example.com", Reply.from_lines(250, ["OK"]))
REFUSED = RecipientOutcome("gone@example.com", Reply.from_lines(550, ["5.1.1 no such user"]))


def result(
    *,
    durations: dict[Stage, float] | None = None,
    expires_in: timedelta | None = timedelta(days=90),
    tls: bool = True,
    recipients: tuple[RecipientOutcome, ...] = (ACCEPTED,),
    exit_code: ExitCode = ExitCode.OK,
    stage: Stage = Stage.QUIT,
    error: str | None = None,
) -> SmtpResult:
    timings = durations if durations is not None else {Stage.CONNECT: 0.01, Stage.BANNER: 0.02, Stage.DOT: 0.1}
    return SmtpResult(
        target="127.0.0.1:2525",
        stage=stage,
        exit_code=exit_code,
        error=error,
        tls=tls,
        tls_version="TLSv1.3" if tls else None,
        recipients=recipients,
        durations=tuple(timings.items()),
        certificate_not_after=NOW + expires_in if tls and expires_in is not None else None,
    )


def run(
    probe: SmtpResult,
    *,
    warning: Thresholds = NONE,
    critical: Thresholds = NONE,
    days: CertificateDays | None = None,
    conformance_failed: bool = False,
) -> tuple[PluginStatus, str]:
    report = evaluate(
        probe, conformance_failed=conformance_failed, warning=warning, critical=critical, certificate_days=days, now=NOW
    )
    return report.status, report.line()


def test_given_a_clean_send_when_evaluated_then_ok_with_perfdata_per_stage_and_total() -> None:
    # Given a TLS send in 130 ms with no thresholds; When evaluated
    status, line = run(result())
    # Then OK, the summary names the target and expiry, and perfdata carries the total and every stage
    assert status is PluginStatus.OK
    head, perfdata = line.split(" | ")
    assert head.startswith("SMTP OK - 127.0.0.1:2525 accepted in 0.130s (TLSv1.3, certificate expires 2027-03-04")
    assert perfdata.split() == [
        "time=0.130000s;;;0",
        "connect=0.010000s;;;0",
        "banner=0.020000s;;;0",
        "dot=0.100000s;;;0",
        "certificate_days=90.00;;",
    ]


def test_given_thresholds_when_a_stage_is_slow_then_the_worst_level_decides_and_perfdata_shows_bounds() -> None:
    # Given warning 0.05 s on the dot stage and critical 0.5 s on the total
    warning = parse_thresholds(["dot=0.05"], "--warning")
    critical = parse_thresholds(["0.5"], "--critical")
    # When the dot stage took 0.1 s (total 0.13 s)
    status, line = run(result(), warning=warning, critical=critical)
    # Then WARNING naming the stage, and the bounds are in the perfdata
    assert status is PluginStatus.WARNING
    assert "dot 0.100s > warning 0.05s" in line
    assert "time=0.130000s;;0.5;0" in line
    assert "dot=0.100000s;0.05;;0" in line
    # And when the total passes the critical bound, CRITICAL
    status, line = run(result(durations={Stage.DOT: 0.7}), warning=warning, critical=critical)
    assert status is PluginStatus.CRITICAL
    assert "time 0.700s > critical 0.5s" in line


@pytest.mark.parametrize(
    ("expires_in", "days", "expected"),
    [
        (timedelta(days=90), CertificateDays(30, 7), PluginStatus.OK),
        (timedelta(days=20), CertificateDays(30, 7), PluginStatus.WARNING),
        (timedelta(days=5), CertificateDays(30, 7), PluginStatus.CRITICAL),
        (timedelta(days=5), CertificateDays(30), PluginStatus.WARNING),
        (None, CertificateDays(30), PluginStatus.UNKNOWN),
    ],
)
def test_given_certificate_days_when_the_certificate_nears_expiry_then_warning_or_critical(
    expires_in: timedelta | None, days: CertificateDays, expected: PluginStatus
) -> None:
    # Given a certificate expiring in `expires_in`; When evaluated with -D-style days
    status, line = run(result(expires_in=expires_in), days=days)
    # Then the status follows the days, and the perfdata shows days left with the bounds
    assert status is expected
    if expires_in is not None:
        assert f"certificate_days={expires_in.days:.2f};{days.warning:g};" in line


def test_given_a_failed_session_when_evaluated_then_critical_with_the_stage_and_error() -> None:
    # Given a session refused at RCPT
    failed = result(exit_code=ExitCode.NO_RECIPIENT, stage=Stage.RCPT, error="no RCPT accepted", recipients=(REFUSED,))
    # When evaluated (thresholds loose)
    status, line = run(failed, warning=parse_thresholds(["60"], "--warning"))
    # Then CRITICAL with where and why
    assert status is PluginStatus.CRITICAL
    assert line.startswith("SMTP CRITICAL - 127.0.0.1:2525 failed at rcpt (exit 24): no RCPT accepted |")


def test_given_refused_recipient_or_conformance_violation_when_accepted_then_warning() -> None:
    status, line = run(result(recipients=(ACCEPTED, REFUSED)))
    assert status is PluginStatus.WARNING
    assert "1 of 2 recipients refused" in line
    status, line = run(result(), conformance_failed=True)
    assert status is PluginStatus.WARNING
    assert "out-of-order" in line


def test_given_no_tls_when_evaluated_then_no_certificate_perfdata() -> None:
    status, line = run(result(tls=False))
    assert status is PluginStatus.OK
    assert "(no TLS)" in line
    assert "certificate_days" not in line


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["5"], Thresholds(5.0, {})),
        (["connect=1,dot=2.5"], Thresholds(None, {Stage.CONNECT: 1.0, Stage.DOT: 2.5})),
        (["time=3", "rcpt=0.5"], Thresholds(3.0, {Stage.RCPT: 0.5})),
    ],
)
def test_given_threshold_text_when_parsed_then_total_and_stages(values: list[str], expected: Thresholds) -> None:
    assert parse_thresholds(values, "--warning") == expected


@pytest.mark.parametrize("text", ["fast", "helo=1", "connect=-1", "0", "dot=inf", "connect="])
def test_given_bad_threshold_text_when_parsed_then_usage_error_naming_it(text: str) -> None:
    with pytest.raises(UsageError, match="--critical"):
        parse_thresholds([text], "--critical")


def test_given_certificate_days_text_when_parsed_then_warning_and_critical() -> None:
    assert parse_certificate_days("30") == CertificateDays(30.0, None)
    assert parse_certificate_days("30,7") == CertificateDays(30.0, 7.0)
    for bad in ("x", "7,30", "-1", "30,"):
        with pytest.raises(UsageError, match="--certificate-days"):
            parse_certificate_days(bad)
