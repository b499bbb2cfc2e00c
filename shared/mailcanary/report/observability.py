"""Observability in one place: the Powertools Logger, Metrics and Tracer, and the metric contract.

The metric contract (names, units, the dimension sets each name is published with) is shared by the code
and the template tests, so an alarm can never watch a metric mailcanary does not emit. Every metric name
x dimension combination is a billed CloudWatch custom metric, so the set is small and deliberate:

| metric            | unit         | dimension sets             | emitted by           | watched by                 |
|-------------------|--------------|----------------------------|----------------------|----------------------------|
| CanarySent        | Count        | (Path, Target) and ()      | round, once per path | Heartbeat alarm (rollup)   |
| CanaryPassed      | Count        | (Path, Target)             | reconciler           | dashboard success rate     |
| CanaryFailed      | Count        | (Path, Target) and ()      | round, reconciler    | CanaryFailed alarm (rollup)|
| CheckFailed       | Count        | (Check)                    | round, reconciler    | SequenceViolation,         |
|                   |              |                            | sweeper (lost)       | RecipientMismatch,         |
|                   |              |                            |                      | CanaryLost, UnexpectedBounce|
| Bounce            | Count        | (BounceType)               | reconciler           | dashboard bounces by type  |
| SendLatency       | Milliseconds | (Path, Target)             | round                | dashboard p50/p99          |
| DeliveryLatency   | Milliseconds | (Path, Target)             | reconciler           | dashboard p50/p99          |
| UnmatchedSesEvent | Count        | ()                         | reconciler           | (an SES event for a message|
|                   |              |                            |                      | that is no canary of ours) |
| LateSesEvent      | Count        | ()                         | reconciler           | (an event after its path   |
|                   |              |                            |                      | was swept lost: slow, not  |
|                   |              |                            |                      | lost)                      |
| ArrivalLatency    | Milliseconds | (Path, Target)             | arrival              | dashboard p50/p99          |
| UnmatchedArrival  | Count        | ()                         | arrival              | (a copy that names no      |
|                   |              |                            |                      | canary path awaiting it)   |
| ArtifactWriteFailed | Count      | ()                         | round, reconciler    | (artifacts of a round not  |
|                   |              |                            |                      | written to S3; the round   |
|                   |              |                            |                      | itself is unaffected)      |

Every decided path yields exactly one CanaryPassed or CanaryFailed: the round for a path it decides at send
time (a send-time check failed, or an MTA that is not SES gives no events to wait for and no receiver is
configured), the reconciler for a path SES's events decide, the arrival function for a path its arrived copy
decides (CheckFailed{Check=delivery.*} for each failed delivery check), the sweeper (as CanaryFailed, with
CheckFailed{Check=lost}, or {Check=delivery.arrived} for a copy that never arrived) for a lost path.
CanarySent counts every attempt, so Sent = Passed + Failed once everything is decided.

Powertools adds `ColdStart` (dimensions `function_name`, `service`) once per cold start. mailcanary's own
metrics carry no `service` dimension: the namespace already says "mailcanary", and a constant dimension
would only rename every metric.
Failure metrics (CanaryFailed, CheckFailed, Bounce) are published only when something happens, so they
are billed only for the hours in which they occur; the failure alarms treat missing data as OK.

Powertools itself is imported only when a Logger, Metrics or Tracer is first asked for: the reconciler and
the CLI import the constants without paying for it.

Tracing is two layers, and only the first is on by default. Lambda active tracing (`Tracing: Active` in the
template) records every invocation's segment in X-Ray - duration, cold start, errors - with no SDK in the
function. X-Ray *subsegments* (one per AWS SDK call, the handler's own subsegment) need the Powertools Tracer
and the X-Ray SDK inside the function, which add about 0.1-0.2x the import of boto3 to every cold start
(`make bench`, cold_import: e.g. 1.60x -> 1.70x for the sweeper), so they are opt-in: the template parameter
`XRaySubsegments=true` sets `POWERTOOLS_TRACE_DISABLED=false`, and `traced` then wraps the handler in the
Tracer. When off, `traced` returns the handler untouched and aws_xray_sdk is never imported.

Why the handlers still import in about 1.5-2.1x the time of boto3 alone (the target was 1.3x), after pausing
the cyclic GC during their init (`mailcanary.config.cold_start`) and disabling pydantic's plugin scan in the template:
every invocation validates its settings and its event with pydantic (the boundary rule) and runs inside the
Powertools Logger and the cold-start metric, so boto3 + pydantic + Powertools Logger/Metrics is a floor no
handler can go below, and that floor alone measures about 1.2-1.4x. Deferring any of it to the first
invocation would only move the cost out of the measurement, not out of the cold start. The rest is
mailcanary's own modules (the settings and event models, the store, the reconciler), and for the canary
function the round's smtplib, email and recipient modules, which its handler imports at init because every
invocation needs them.
"""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

from mailcanary.core.checks import CanaryState, Check, PathKind
from mailcanary.core.errors import MailcanaryError
from mailcanary.core.redaction import redact

if TYPE_CHECKING:
    from aws_lambda_powertools import Logger, Metrics, Tracer

__all__ = [
    "METRIC_CONTRACT",
    "NAMESPACE",
    "SERVICE",
    "Dimension",
    "MetricContractError",
    "MetricName",
    "MetricObservation",
    "Unit",
    "arrival_latency",
    "artifact_write_failed",
    "bounce",
    "canary_failed",
    "canary_passed",
    "canary_sent",
    "check_failed",
    "delivery_latency",
    "emit",
    "get_logger",
    "get_metrics",
    "get_tracer",
    "late_ses_event",
    "path_decided",
    "send_latency",
    "traced",
    "unmatched_arrival",
    "unmatched_ses_event",
]

NAMESPACE = "Mailcanary"
SERVICE = "mailcanary"
TRACED_MODULES = ("botocore",)
_Handler = TypeVar("_Handler", bound=Callable[..., Any])


class MetricContractError(MailcanaryError):
    """Raised when code tries to publish a metric with a dimension set the contract does not declare."""


class MetricName(StrEnum):
    CANARY_SENT = "CanarySent"
    CANARY_PASSED = "CanaryPassed"
    CANARY_FAILED = "CanaryFailed"
    CHECK_FAILED = "CheckFailed"
    BOUNCE = "Bounce"
    SEND_LATENCY = "SendLatency"
    DELIVERY_LATENCY = "DeliveryLatency"
    UNMATCHED_SES_EVENT = "UnmatchedSesEvent"
    LATE_SES_EVENT = "LateSesEvent"
    ARRIVAL_LATENCY = "ArrivalLatency"
    UNMATCHED_ARRIVAL = "UnmatchedArrival"
    ARTIFACT_WRITE_FAILED = "ArtifactWriteFailed"
    CERTIFICATE_DAYS_LEFT = "CertificateDaysLeft"


class Dimension(StrEnum):
    PATH = "Path"  # a PathKind value
    TARGET = "Target"  # the configured target label: "ses-api:<region>" or an SMTP target's name
    CHECK = "Check"  # a mailcanary.core.checks.Check value
    BOUNCE_TYPE = "BounceType"  # Permanent | Transient | Undetermined


class Unit(StrEnum):
    """The CloudWatch units mailcanary uses (their EMF spelling)."""

    COUNT = "Count"
    MILLISECONDS = "Milliseconds"
    NONE = "None"  # a plain number (days have no CloudWatch unit)


_PER_PATH = (Dimension.PATH, Dimension.TARGET)
_ROLLUP: tuple[Dimension, ...] = ()

# name -> (unit, the dimension sets it is published with). The template tests read this.
METRIC_CONTRACT: Mapping[MetricName, tuple[Unit, frozenset[tuple[Dimension, ...]]]] = {
    MetricName.CANARY_SENT: (Unit.COUNT, frozenset({_PER_PATH, _ROLLUP})),
    MetricName.CANARY_PASSED: (Unit.COUNT, frozenset({_PER_PATH})),
    MetricName.CANARY_FAILED: (Unit.COUNT, frozenset({_PER_PATH, _ROLLUP})),
    MetricName.CHECK_FAILED: (Unit.COUNT, frozenset({(Dimension.CHECK,)})),
    MetricName.BOUNCE: (Unit.COUNT, frozenset({(Dimension.BOUNCE_TYPE,)})),
    MetricName.SEND_LATENCY: (Unit.MILLISECONDS, frozenset({_PER_PATH})),
    MetricName.DELIVERY_LATENCY: (Unit.MILLISECONDS, frozenset({_PER_PATH})),
    MetricName.UNMATCHED_SES_EVENT: (Unit.COUNT, frozenset({_ROLLUP})),
    MetricName.LATE_SES_EVENT: (Unit.COUNT, frozenset({_ROLLUP})),
    MetricName.ARRIVAL_LATENCY: (Unit.MILLISECONDS, frozenset({_PER_PATH})),
    MetricName.UNMATCHED_ARRIVAL: (Unit.COUNT, frozenset({_ROLLUP})),
    MetricName.ARTIFACT_WRITE_FAILED: (Unit.COUNT, frozenset({_ROLLUP})),
    MetricName.CERTIFICATE_DAYS_LEFT: (Unit.NONE, frozenset({_PER_PATH, _ROLLUP})),
}


@dataclass(frozen=True, slots=True)
class MetricObservation:
    """One data point to publish. Services return these; `emit` publishes them."""

    name: MetricName
    value: float
    unit: Unit
    dimensions: tuple[tuple[Dimension, str], ...] = ()

    def __post_init__(self) -> None:
        unit, dimension_sets = METRIC_CONTRACT[self.name]
        names = tuple(name for name, _ in self.dimensions)
        if self.unit is not unit or names not in dimension_sets:
            raise MetricContractError(f"{self.name} is not published in {self.unit} with dimensions {names}")
        if any(not value for _, value in self.dimensions):
            raise MetricContractError(f"{self.name}: empty dimension value in {self.dimensions}")


def canary_sent(path: PathKind, target: str) -> list[MetricObservation]:
    """One canary handed to a path; the rollup feeds the heartbeat alarm."""
    return _per_path_and_rollup(MetricName.CANARY_SENT, path, target)


def canary_failed(path: PathKind, target: str) -> list[MetricObservation]:
    """One canary on one path failed at least one check (count it once per canary and path)."""
    return _per_path_and_rollup(MetricName.CANARY_FAILED, path, target)


def canary_passed(path: PathKind, target: str) -> MetricObservation:
    """One canary on one path reached `passed`."""
    return MetricObservation(MetricName.CANARY_PASSED, 1, Unit.COUNT, _path_dimensions(path, target))


def path_decided(
    path: PathKind, target: str, state: CanaryState, checks: Iterable[Check] = ()
) -> list[MetricObservation]:
    """The metrics of one path's decision, wherever it is taken (at send time, from SES's events, or swept lost):
    CanaryPassed, or CanaryFailed (per path and rollup) plus one CheckFailed per distinct failed check."""
    if state is CanaryState.PASSED:
        return [canary_passed(path, target)]
    return canary_failed(path, target) + [check_failed(check) for check in sorted(set(checks))]


def check_failed(check: Check) -> MetricObservation:
    """One failed check, by its stable name (the alarms select on it)."""
    return MetricObservation(MetricName.CHECK_FAILED, 1, Unit.COUNT, ((Dimension.CHECK, check.value),))


def bounce(bounce_type: str) -> MetricObservation:
    """One bounced recipient, by SES bounce type (expected simulator bounces included)."""
    return MetricObservation(MetricName.BOUNCE, 1, Unit.COUNT, ((Dimension.BOUNCE_TYPE, bounce_type),))


def send_latency(path: PathKind, target: str, milliseconds: float) -> MetricObservation:
    """How long the send took on one path (API call, or SMTP connect to final reply)."""
    return MetricObservation(MetricName.SEND_LATENCY, milliseconds, Unit.MILLISECONDS, _path_dimensions(path, target))


def delivery_latency(path: PathKind, target: str, milliseconds: float) -> MetricObservation:
    """From the send to SES's Delivery event."""
    dimensions = _path_dimensions(path, target)
    return MetricObservation(MetricName.DELIVERY_LATENCY, milliseconds, Unit.MILLISECONDS, dimensions)


def arrival_latency(path: PathKind, target: str, milliseconds: float) -> MetricObservation:
    """From the send to the arrival of its copy where the receiver read it (end to end)."""
    dimensions = _path_dimensions(path, target)
    return MetricObservation(MetricName.ARRIVAL_LATENCY, milliseconds, Unit.MILLISECONDS, dimensions)


def unmatched_arrival() -> MetricObservation:
    """An arrived copy that names no canary path awaiting it (no canary header, an unknown canary or path)."""
    return MetricObservation(MetricName.UNMATCHED_ARRIVAL, 1, Unit.COUNT)


def certificate_days_left(path: PathKind, target: str, days: float) -> list[MetricObservation]:
    """Days until an SMTP target's certificate expires, per target and as a rollup (its Minimum is the soonest
    expiry across targets: the alarm watches that)."""
    per_path = MetricObservation(MetricName.CERTIFICATE_DAYS_LEFT, days, Unit.NONE, _path_dimensions(path, target))
    return [per_path, MetricObservation(MetricName.CERTIFICATE_DAYS_LEFT, days, Unit.NONE)]


def unmatched_ses_event() -> MetricObservation:
    """An SES event for a message that is not one of our canaries (another sender shares the config set)."""
    return MetricObservation(MetricName.UNMATCHED_SES_EVENT, 1, Unit.COUNT)


def late_ses_event() -> MetricObservation:
    """An SES event for a path the sweeper had already declared lost: the canary was slow, not lost."""
    return MetricObservation(MetricName.LATE_SES_EVENT, 1, Unit.COUNT)


def artifact_write_failed(count: int = 1) -> MetricObservation:
    """Artifacts of a round that could not be written to the artifact bucket (the round itself went on)."""
    return MetricObservation(MetricName.ARTIFACT_WRITE_FAILED, count, Unit.COUNT)


def _path_dimensions(path: PathKind, target: str) -> tuple[tuple[Dimension, str], ...]:
    return ((Dimension.PATH, PathKind(path).value), (Dimension.TARGET, target))


def _per_path_and_rollup(name: MetricName, path: PathKind, target: str) -> list[MetricObservation]:
    per_path = MetricObservation(name, 1, Unit.COUNT, _path_dimensions(path, target))
    return [per_path, MetricObservation(name, 1, Unit.COUNT)]


def emit(observations: Iterable[MetricObservation]) -> int:
    """Publish observations as CloudWatch EMF lines on stdout, one line per distinct dimension set.

    Returns the number of EMF lines written. Works inside and outside a Lambda handler; each line is
    built by its own Powertools provider so nothing leaks into the handler's shared metric set.
    """
    from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import AmazonCloudWatchEMFProvider

    groups: dict[tuple[tuple[Dimension, str], ...], list[MetricObservation]] = {}
    for observation in observations:
        groups.setdefault(observation.dimensions, []).append(observation)
    for dimensions, members in groups.items():
        provider = AmazonCloudWatchEMFProvider(namespace=NAMESPACE, service="")
        for observation in members:
            provider.add_metric(name=observation.name.value, unit=observation.unit.value, value=observation.value)
        for name, value in dimensions:
            provider.add_dimension(name=name.value, value=value)
        provider.flush_metrics()
    return len(groups)


@functools.cache
def get_logger() -> Logger:
    """The one Powertools Logger (service "mailcanary"), with secrets masked in every record."""
    from aws_lambda_powertools import Logger
    from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

    class RedactingFormatter(LambdaPowertoolsFormatter):
        """Powertools' JSON formatter, masking secrets in the structured record before it is serialised."""

        def serialize(self, log: Any) -> str:
            return super().serialize(redact(log))

    return Logger(service=SERVICE, logger_formatter=RedactingFormatter(), logger_handler=_CurrentStdoutHandler())


class _CurrentStdoutHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stdout` is at the time of the record (Powertools binds the stream at creation).

    Lambda never swaps stdout, but the cached Logger outlives a test's captured stdout and a CLI's redirection.
    """

    @property
    def stream(self) -> Any:
        return sys.stdout

    @stream.setter
    def stream(self, value: Any) -> None:
        pass


@functools.cache
def get_metrics() -> Metrics:
    """The one Powertools Metrics (namespace "Mailcanary", no service dimension) for the handler decorators.

    The handlers use it for `log_metrics(capture_cold_start_metric=True)`; mailcanary's own data points go
    through `emit`, because they carry different dimensions per path. An empty shared set at the end of an
    invocation is therefore normal and is not warned about.
    """
    from aws_lambda_powertools import Metrics
    from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import AmazonCloudWatchEMFProvider

    class ColdStartOnlyProvider(AmazonCloudWatchEMFProvider):
        def flush_metrics(self, raise_on_empty_metrics: bool = False) -> None:
            if self.metric_set or raise_on_empty_metrics:
                super().flush_metrics(raise_on_empty_metrics=raise_on_empty_metrics)

    return Metrics(namespace=NAMESPACE, service="", provider=ColdStartOnlyProvider(namespace=NAMESPACE, service=""))


@functools.cache
def get_tracer() -> Tracer:
    """The one Powertools Tracer (disabled outside Lambda by Powertools itself).

    Only botocore is patched: mailcanary's remote calls are AWS SDK calls (SMTP sessions get their own
    subsegments from the round), and patching everything X-Ray supports imports libraries we never use,
    which roughly doubled the cold import of a handler.
    """
    from aws_lambda_powertools import Tracer

    return Tracer(service=SERVICE, patch_modules=TRACED_MODULES)


def traced(handler: _Handler) -> _Handler:
    """The handler wrapped in the Tracer when X-Ray subsegments are on; otherwise the handler itself.

    Decided when the handler module is imported (see the module docstring): with subsegments off, neither the
    Tracer nor the X-Ray SDK is ever imported, so the cold start does not pay for them.
    """
    from mailcanary.config.settings import xray_subsegments_enabled

    if not xray_subsegments_enabled():
        return handler
    return get_tracer().capture_lambda_handler(handler, capture_response=False)  # type: ignore[return-value]
