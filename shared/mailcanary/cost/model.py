"""A model of the monthly AWS bill of the default deployment, to compare with CloudWatch Synthetics.

Pure arithmetic over stated prices: us-east-1 list prices, without free tiers, as assumed on
`PRICES_AS_OF` (check https://aws.amazon.com/pricing before relying on them). A month is 730 hours.
The CloudWatch custom-metric count comes from the metric contract in `mailcanary.report.observability`, so the
model follows the code: every metric x dimension combination that is published in a healthy month.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from mailcanary.core.errors import UsageError
from mailcanary.report.observability import METRIC_CONTRACT, Dimension, MetricName
from mailcanary.round.smtp_secret import MAX_AGE_SECONDS as SECRET_MAX_AGE_SECONDS

__all__ = [
    "ALARM_METRICS",
    "PRICES_AS_OF",
    "CostEstimate",
    "LineItem",
    "Prices",
    "Workload",
    "estimate",
    "metric_series",
    "runs_per_month",
]

PRICES_AS_OF = "2025-01-15"
HOURS_PER_MONTH = 730
FUNCTIONS = 3  # canary, SES events, sweeper (one ColdStart series each)
ALARM_METRICS = 10  # metrics read by template.yaml's nine alarms (RecipientMismatch reads two); a test checks it
COMPOSITE_ALARMS = 1


@dataclass(frozen=True)
class Prices:
    """USD list prices, us-east-1, no free tier."""

    lambda_request: float = 0.20 / 1_000_000
    lambda_gb_second_arm64: float = 0.0000133334
    ses_email: float = 0.10 / 1000  # per recipient; mailbox-simulator sends are billed too
    cloudwatch_metric_month: float = 0.30  # per metric x dimension combination, first 10,000
    cloudwatch_alarm_metric_month: float = 0.10  # standard resolution, per metric the alarm reads
    cloudwatch_composite_alarm_month: float = 0.50
    cloudwatch_dashboard_month: float = 3.00
    logs_ingest_gb: float = 0.50
    dynamodb_write_request: float = 0.625 / 1_000_000  # on-demand
    dynamodb_read_request: float = 0.125 / 1_000_000
    sns_publish: float = 0.50 / 1_000_000  # deliveries to Lambda are free
    xray_trace: float = 5.00 / 1_000_000
    secret_month: float = 0.40
    secret_api_call: float = 0.05 / 10_000
    kms_key_month: float = 1.00  # customer-managed key; its requests ($0.03/10,000) come only with alerts
    s3_put: float = 0.005 / 1000  # S3 Standard PUT
    s3_gb_month: float = 0.023  # S3 Standard storage, first 50 TB
    synthetics_run: float = 0.0012  # CloudWatch Synthetics canary run, for comparison


@dataclass(frozen=True)
class Workload:
    """What one round does; the defaults describe the default deployment."""

    smtp_targets: int = 1
    recipients: int = 3  # To, Cc, Bcc on the mailbox simulator
    memory_mb: int = 128
    round_seconds: float = 3.0  # SMTP sessions run concurrently, so this barely grows with targets
    event_seconds: float = 0.2  # one SES-events invocation
    sweep_seconds: float = 0.5
    log_bytes_per_path: int = 3_000  # structured logs and EMF lines of one path in one round
    alert_checks_per_path: int = 4  # send-time checks per path whose open alert the round looks up (a read)
    item_kb: float = 1.0  # one canary, path or send item
    artifact_kb: float = 3.0  # one artifact object on average: round summary, MIME, transcript, SES event
    artifact_retention_days: int = 30  # the template's ArtifactRetentionDays

    @property
    def paths(self) -> int:
        return 1 + self.smtp_targets

    @property
    def events_per_path(self) -> int:
        return 1 + self.recipients  # Send, then one Delivery/Bounce/Complaint per recipient


@dataclass(frozen=True)
class LineItem:
    service: str
    quantity: float
    unit: str
    monthly_usd: float


@dataclass(frozen=True)
class CostEstimate:
    schedule: str
    runs_per_month: float
    items: tuple[LineItem, ...]
    synthetics_monthly_usd: float
    prices_as_of: str = PRICES_AS_OF
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def total_usd(self) -> float:
        return sum(item.monthly_usd for item in self.items)

    @property
    def per_run_usd(self) -> float:
        return self.total_usd / self.runs_per_month


_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_MINUTES = {"minute": 1, "hour": 60, "day": 1440}


def runs_per_month(schedule: str) -> float:
    """Runs per 730-hour month of an EventBridge `rate(...)` expression."""
    match = _RATE.fullmatch(schedule.strip())
    if not match or int(match.group(1)) == 0:
        raise UsageError(f"give an EventBridge rate expression such as 'rate(5 minutes)', not {schedule!r}")
    minutes = int(match.group(1)) * _MINUTES[match.group(2).rstrip("s")]
    return HOURS_PER_MONTH * 60 / minutes


def metric_series(paths: int) -> int:
    """Custom metrics published in a healthy month, counted from the metric contract.

    Per-path dimension sets count once per path, the rollup once, and Bounce once (the simulator's
    expected bounce), CertificateDaysLeft once per SMTP target plus its rollup. Failure-only series
    (CanaryFailed, CheckFailed) are billed pro rata for the hours in which they occur and are left out
    here. Plus Powertools' ColdStart, one series per function.
    """
    steady = {MetricName.CANARY_SENT, MetricName.CANARY_PASSED, MetricName.SEND_LATENCY, MetricName.DELIVERY_LATENCY}
    count = FUNCTIONS
    for name, (_, dimension_sets) in METRIC_CONTRACT.items():
        if name in steady:
            count += sum(paths if Dimension.PATH in dims else 1 for dims in dimension_sets)
    smtp_targets = paths - 1  # every path but the API one; each SMTP target's certificate, and their rollup
    certificates = smtp_targets + 1 if smtp_targets else 0
    return count + 1 + certificates  # Bounce{BounceType=Permanent}, CertificateDaysLeft


def estimate(schedule: str, workload: Workload | None = None, prices: Prices | None = None) -> CostEstimate:
    """The monthly cost of running the default deployment on `schedule`."""
    w, p = workload or Workload(), prices or Prices()
    if w.smtp_targets < 0 or w.recipients < 1:
        raise UsageError("SMTP targets must be >= 0 and recipients >= 1")
    runs = runs_per_month(schedule)
    events = runs * w.paths * w.events_per_path
    invocations = runs * 2 + events  # canary and sweeper on the schedule, one SES-events call per event
    gb = w.memory_mb / 1024
    gb_seconds = gb * (runs * (w.round_seconds + w.sweep_seconds) + events * w.event_seconds)
    emails = runs * w.paths * w.recipients
    # Request units per round: the pending canary (a transaction: 2 per item) and its entry in the by-created
    # index (1), then per path its send item, its decision and the canary's open-path count, then settling the
    # canary (a transaction item); per event the path's update and the idempotency record (put + update).
    writes = runs * (2 * (w.paths + 1) + 1 + 3 * w.paths + 2) + events * 3
    # One lookup by SES message id per event; per round the open alerts of every send-time check (strongly
    # consistent BatchGetItem) and one strongly consistent read of the whole canary (4 KB per unit).
    whole_canary = math.ceil((2 * w.paths + 1) * w.item_kb / 4)
    reads = events + runs * (w.paths * w.alert_checks_per_path + whole_canary)
    log_gb = runs * w.paths * w.log_bytes_per_path * 2 / 1e9  # the SES-events logs are about as large
    series = metric_series(w.paths)
    # A warm canary function reads the SMTP secret at most once per cache period (mailcanary.round.smtp_secret)
    secret_reads = min(runs, HOURS_PER_MONTH * 3600 / SECRET_MAX_AGE_SECONDS)
    # Artifacts: per round its summary, each path's MIME, each SMTP path's transcript; one object per SES event.
    puts = runs * (1 + w.paths + w.smtp_targets) + events
    stored_gb = puts * w.artifact_kb / 1e6 * w.artifact_retention_days / (HOURS_PER_MONTH / 24)
    items = (
        LineItem("Lambda requests", invocations, "requests", invocations * p.lambda_request),
        LineItem("Lambda compute (arm64)", gb_seconds, "GB-s", gb_seconds * p.lambda_gb_second_arm64),
        LineItem("SES messages", emails, "recipients", emails * p.ses_email),
        LineItem("CloudWatch custom metrics", series, "metrics", series * p.cloudwatch_metric_month),
        LineItem("CloudWatch alarms", ALARM_METRICS, "alarm metrics", ALARM_METRICS * p.cloudwatch_alarm_metric_month),
        LineItem(
            "CloudWatch composite alarm",
            COMPOSITE_ALARMS,
            "alarm",
            COMPOSITE_ALARMS * p.cloudwatch_composite_alarm_month,
        ),
        LineItem("CloudWatch dashboard", 1, "dashboard", p.cloudwatch_dashboard_month),
        LineItem("CloudWatch Logs ingestion", log_gb, "GB", log_gb * p.logs_ingest_gb),
        LineItem(
            "DynamoDB on-demand",
            writes + reads,
            "requests",
            writes * p.dynamodb_write_request + reads * p.dynamodb_read_request,
        ),
        LineItem("SNS (SES events)", events, "publishes", events * p.sns_publish),
        LineItem("X-Ray traces", invocations, "traces", invocations * p.xray_trace),
        LineItem("Secrets Manager", secret_reads, "API calls", p.secret_month + secret_reads * p.secret_api_call),
        LineItem("KMS key (alert topic encryption)", 1, "key", p.kms_key_month),
        LineItem("S3 round artifacts", puts, "PUTs", puts * p.s3_put + stored_gb * p.s3_gb_month),
    )
    notes = (
        "no free tier applied; data transfer and log storage left out (cents)",
        "failure metrics (CanaryFailed, CheckFailed) add $0.30/month per series, pro rata for hours with failures",
        "alarms are billed per metric they read: nine alarms read ten metrics (RecipientMismatch reads two)",
        "the SES-events dead-letter queue costs nothing while empty (SQS requests are $0.40/M)",
        "KMS requests for the encrypted alert topic ($0.03/10,000) come only with alerts and alarm changes (cents)",
        "S3 artifacts: PUTs plus storage of ArtifactRetentionDays (30) of objects; reading them is per use (cents)",
    )
    return CostEstimate(schedule, runs, items, runs * p.synthetics_run, notes=notes)
