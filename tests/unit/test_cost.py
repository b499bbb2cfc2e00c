"""The monthly cost model and `mailcanary cost`."""

from __future__ import annotations

import json

import pytest

from mailcanary.cli import EXIT_OK, EXIT_USAGE, main
from mailcanary.core.errors import UsageError
from mailcanary.cost.model import Workload, estimate, metric_series, runs_per_month


@pytest.mark.parametrize(
    ("schedule", "runs"),
    [("rate(1 minute)", 43_800), ("rate(5 minutes)", 8_760), ("rate(1 hour)", 730), ("rate(2 days)", 730 / 48)],
)
def test_given_a_rate_expression_when_counted_then_runs_per_730_hour_month(schedule: str, runs: float) -> None:
    assert runs_per_month(schedule) == pytest.approx(runs)


@pytest.mark.parametrize("schedule", ["cron(0 * * * ? *)", "rate(0 minutes)", "every minute", "rate(5 minute s)"])
def test_given_anything_but_a_rate_when_counted_then_usage_error(schedule: str) -> None:
    with pytest.raises(UsageError):
        runs_per_month(schedule)


def test_given_more_paths_when_metrics_are_counted_then_four_series_per_path_and_one_per_smtp_certificate() -> None:
    # CanarySent, CanaryPassed, SendLatency, DeliveryLatency per path; rollup, Bounce, 3 ColdStart constant;
    # CertificateDaysLeft per SMTP target (every path but the API one) and its rollup
    assert metric_series(paths=1) == 4 * 1 + 1 + 1 + 3
    assert metric_series(paths=2) == 4 * 2 + 1 + 1 + 3 + (1 + 1)
    assert metric_series(paths=51) - metric_series(paths=50) == 4 + 1


def test_given_one_minute_rounds_when_estimated_then_synthetics_comparison_is_the_issue_s_figure() -> None:
    result = estimate("rate(1 minute)")
    assert result.synthetics_monthly_usd == pytest.approx(52.56)
    assert result.total_usd == pytest.approx(sum(item.monthly_usd for item in result.items))
    assert {item.service for item in result.items} >= {
        "Lambda requests",
        "Lambda compute (arm64)",
        "SES messages",
        "CloudWatch custom metrics",
        "CloudWatch alarms",
        "CloudWatch composite alarm",
        "CloudWatch dashboard",
        "DynamoDB on-demand",
        "SNS (SES events)",
    }


def test_given_more_smtp_targets_when_estimated_then_cost_grows_and_ses_scales_with_paths() -> None:
    one, five = (
        estimate("rate(5 minutes)", Workload(smtp_targets=1)),
        estimate("rate(5 minutes)", Workload(smtp_targets=5)),
    )
    ses = {result: next(i.monthly_usd for i in result.items if i.service == "SES messages") for result in (one, five)}
    assert five.total_usd > one.total_usd
    assert ses[five] == pytest.approx(ses[one] * 6 / 2)


def test_given_the_cli_when_asked_for_json_then_a_parseable_document(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cost", "--schedule", "rate(1 minute)", "--smtp-targets", "2", "--json"]) == EXIT_OK
    document = json.loads(capsys.readouterr().out)
    assert document["runs_per_month"] == 43_800
    assert document["total_usd"] > 0
    assert document["prices_as_of"]


def test_given_the_cli_when_run_then_a_table_with_the_synthetics_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cost", "--schedule", "rate(5 minutes)"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "CloudWatch Synthetics" in out
    assert "total" in out


def test_given_a_cron_schedule_when_the_cli_runs_then_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cost", "--schedule", "cron(0 * * * ? *)"]) == EXIT_USAGE
    assert "rate expression" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("schedule", "reads"), [("rate(1 minute)", 8_760), ("rate(5 minutes)", 8_760), ("rate(1 hour)", 730)]
)
def test_given_the_secret_cache_when_estimated_then_at_most_one_secret_read_per_cache_period(
    schedule: str, reads: float
) -> None:
    # Given a warm function reads the SMTP secret at most once per five minutes (mailcanary.round.smtp_secret)
    item = next(i for i in estimate(schedule).items if i.service == "Secrets Manager")
    # Then a faster schedule does not read it more often
    assert item.quantity == pytest.approx(reads)


def test_given_artifacts_when_estimated_then_a_put_per_artifact_a_round_writes() -> None:
    # Given one SMTP target: the round writes its summary, two messages, one transcript; SES publishes 2 x 4 events
    result = estimate("rate(1 minute)", Workload(smtp_targets=1, recipients=3))
    (s3,) = [item for item in result.items if item.service == "S3 round artifacts"]
    # Then twelve PUTs a round, and the storage of 30 days of them is cents beside the PUTs
    assert s3.quantity == pytest.approx(result.runs_per_month * 12)
    assert s3.monthly_usd == pytest.approx(s3.quantity * 0.005 / 1000, rel=0.02)
