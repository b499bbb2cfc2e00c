"""The whole monitor on one machine: N rounds of the real canary handler, SES's events for what each path
really handed over fed to the real SES-events handler, then the real sweeper — all against the local lab.

`run_demo(options, progress)` returns a `DemoReport`; rendering and exit codes are the CLI's business.
With `keep_running`, rounds continue (one per interval, bounded) until Ctrl-C, then the run ends normally.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from mailcanary.lab.catalog import FaultLayer
from mailcanary.lab.emf import MetricPoint, totals
from mailcanary.lab.feed import FedEvents, accepted_messages, feed_events
from mailcanary.lab.inbound import FedArrivals, feed_arrivals, pass_on
from mailcanary.lab.invoke import Invocation, invoke
from mailcanary.lab.results import DemoReport, RoundRecord, judge, round_rows
from mailcanary.lab.stack import LAB_RECIPIENTS, LabOptions, LabStack, running_lab
from mailcanary.store import CanaryRecord, CanaryStore

__all__ = ["DemoOptions", "run_demo"]

Progress = Callable[[str], None]
KEEP_RUNNING_LIMIT = 10_000  # rounds; --keep-running stops here at the latest
SCHEDULED_EVENT = {
    "version": "0",
    "id": "00000000-0000-0000-0000-00000000demo",
    "detail-type": "Scheduled Event",
    "source": "aws.events",
    "account": "123456789012",
    "region": "us-east-1",
    "resources": ["arn:aws:events:us-east-1:123456789012:rule/mailcanary-demo"],
    "detail": {},
}
_SWEEP_MARGIN_SECONDS = 0.2


@dataclass(frozen=True)
class DemoOptions:
    rounds: int = 3
    interval: float = 1.0
    keep_running: bool = False
    sweep_every_round: bool = False  # like the deployed schedule (always on with keep_running)
    lab: LabOptions = field(default_factory=LabOptions)


@dataclass
class _Round:
    number: int
    faults_active: bool
    canary: Invocation
    fed: FedEvents | None = None
    arrived: FedArrivals | None = None
    sweeps: list[Invocation] = field(default_factory=list)
    seconds: float = 0.0
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def summary(self) -> dict[str, Any]:
        return self.canary.result if isinstance(self.canary.result, dict) else {}

    @property
    def invocations(self) -> list[Invocation]:
        arrived = self.arrived.invocations if self.arrived else ()
        return [self.canary, *(self.fed.invocations if self.fed else ()), *arrived, *self.sweeps]


def _round_event(lab: LabStack) -> dict[str, Any]:
    if not lab.envelope_fault:
        return dict(SCHEDULED_EVENT)
    # api-header-only-recipient: the API Destinations leave out the Cc the headers name (swaks-style).
    return {"envelope": [*LAB_RECIPIENTS["to"], *LAB_RECIPIENTS["bcc"]]}


def _one_round(lab: LabStack, number: int) -> _Round:
    started = time.monotonic()
    started_at = datetime.now(UTC)
    active = lab.arm(number)
    canary = invoke("canary", lab.handlers["canary"], _round_event(lab))
    current = _Round(number, active, canary, started_at=started_at)
    if canary.ok:
        accepted, missing = accepted_messages(
            current.summary,
            sender=lab.aws.resources.sender,
            configuration_set=lab.aws.resources.configuration_set,
            sent_raw=lab.aws.sent_raw_messages(),
            delivered=lab.endpoint.delivered,
        )
        current.fed = feed_events(lab.handlers["ses_events"], accepted, faults=lab.event_faults, missing=missing)
        current.arrived = _feed_arrivals(lab)
    current.seconds = time.monotonic() - started
    return current


def _feed_arrivals(lab: LabStack) -> FedArrivals:
    """What the relay accepted this round, passed on to the lab's SES inbound and through the arrival handler."""
    now = datetime.now(UTC)
    cc, bcc = LAB_RECIPIENTS["cc"], LAB_RECIPIENTS["bcc"]
    passed = [pass_on(m, lab.dkim, cc=cc, bcc=bcc, faults=lab.arrival_faults, now=now) for m in lab.to_pass_on()]
    resources = lab.aws.resources
    return feed_arrivals(
        lab.handlers["arrival"],
        lab.aws.client("s3"),
        lab.dkim,
        [each for each in passed if each is not None],
        bucket=resources.inbound_bucket,
        topic_arn=resources.arrival_topic_arn,
    )


def _describe(current: _Round, canary: CanaryRecord | None, total: int | None, faulty: bool) -> str:
    of = f"/{total}" if total else ""
    if not current.canary.ok:
        return f"round {current.number}{of}: canary handler failed: {current.canary.error}"
    paths = ", ".join(
        f"{path.get('path')} {'sent' if _handed_over(path) else 'NOT SENT'}"
        for path in current.summary.get("paths", [])
    )
    events = len(current.fed.records) if current.fed else 0
    copies = len(current.arrived.notifications) if current.arrived else 0
    state = canary.state.value if canary else "unknown"
    fault = " [faults on]" if current.faults_active and faulty else ""
    return (
        f"round {current.number}{of}{fault}: {paths}; {events} SES events, {copies} copies arrived -> {state}"
        f" ({current.seconds:.1f} s)"
    )


def _handed_over(path: dict[str, Any]) -> bool:
    """SES gave it a message id, or (a relay, which gives none) its transport check passed."""
    transport = [v.get("passed") for v in path.get("verdicts", []) if v.get("check") in ("smtp.transport", "ses.api")]
    return bool(path.get("ses_message_id")) or (bool(transport) and all(transport))


def _canary(store: CanaryStore, current: _Round) -> CanaryRecord | None:
    canary_id = current.summary.get("canary_id")
    return store.get(str(canary_id)) if canary_id else None


def _final_sweep(lab: LabStack, store: CanaryStore, rounds: list[_Round]) -> Invocation:
    """Wait (bounded) until every still-pending canary is past its deadline, then run the real sweeper."""
    pending = [c for c in (_canary(store, r) for r in rounds) if c is not None and not c.state.terminal]
    if pending:
        latest = max(canary.deadline for canary in pending)
        wait = (latest - datetime.now(UTC)).total_seconds() + _SWEEP_MARGIN_SECONDS
        time.sleep(min(max(wait, 0.0), lab.options.lost_after_seconds + 2.0))
    return invoke("sweeper", lab.handlers["sweeper"], dict(SCHEDULED_EVENT))


def _counted_once(rounds: list[_Round], points: list[MetricPoint]) -> bool:
    """Every distinct Delivery counted exactly once, however often SNS delivered it."""
    expected = sum(current.fed.recipients("Delivery") for current in rounds if current.fed)
    return sum(1 for point in points if point.name == "DeliveryLatency") == expected


def _record(current: _Round, canary: CanaryRecord | None) -> RoundRecord:
    errors = [f"{each.function}: {each.error}" for each in current.invocations if each.error]
    if current.fed and current.fed.missing:
        errors.append(f"lab: no accepted message found for {', '.join(current.fed.missing)}")
    state = "error" if not current.canary.ok else canary.state.value if canary else "unknown"
    return RoundRecord(
        number=current.number,
        canary_id=canary.canary_id if canary else None,
        state=state,
        faults_active=current.faults_active,
        rows=tuple(round_rows(current.number, current.summary, canary)),
        errors=tuple(errors),
        events=len(current.fed.records) if current.fed else 0,
        seconds=current.seconds,
        started_at=current.started_at,
        decided_at=canary.decided_at if canary and canary.state.terminal else None,
    )


def run_demo(options: DemoOptions, progress: Progress = lambda _line: None) -> DemoReport:
    """Run the demo (or one fault-lab run) end to end and report what every check found."""
    started = time.monotonic()
    limit = KEEP_RUNNING_LIMIT if options.keep_running else options.rounds
    total = None if options.keep_running else options.rounds
    with running_lab(options.lab) as lab:
        progress(
            f"lab up: moto {lab.aws.endpoint_url}, SMTP {lab.endpoint.host}:{lab.endpoint.port} (STARTTLS, AUTH)"
            + (f", SES fault proxy {lab.proxy.endpoint_url}" if lab.proxy else "")
        )
        progress(
            f"rounds so far: mailcanary history --endpoint-url {lab.aws.endpoint_url} "
            f"--artifact-bucket {lab.aws.resources.artifact_bucket} --last 20"
        )
        store = CanaryStore(lab.aws.client("dynamodb"), lab.aws.resources.table_name)
        rounds: list[_Round] = []
        alerts: list[dict[str, Any]] = []
        try:
            for number in range(1, limit + 1):
                if number > 1:
                    time.sleep(max(options.interval, 0.0))  # Ctrl-C interrupts it
                current = _one_round(lab, number)
                if options.keep_running or options.sweep_every_round:
                    current.sweeps.append(invoke("sweeper", lab.handlers["sweeper"], dict(SCHEDULED_EVENT)))
                rounds.append(current)
                alerts += [{"round": number, **alert} for alert in lab.aws.alerts_received()]
                progress(_describe(current, _canary(store, current), total, bool(options.lab.faults)))
        except KeyboardInterrupt:
            if not options.keep_running:
                raise
            progress("stopping: finishing with the sweeper")
        final = _final_sweep(lab, store, rounds)
        canaries = [_canary(store, current) for current in rounds]
        records = [_record(current, canary) for current, canary in zip(rounds, canaries, strict=True)]
        points = [point for current in rounds for each in current.invocations for point in each.metrics]
        points += final.metrics
        alerts += [{"round": "final sweep", **alert} for alert in lab.aws.alerts_received()]
    duplicate = any(fault.name == "event-duplicate" for fault in options.lab.of(FaultLayer.EVENTS))
    counted_once = _counted_once(rounds, points) if duplicate else None
    all_rows = [row for record in records for row in record.rows if record.faults_active]
    return DemoReport(
        rounds=tuple(records),
        metrics=tuple(totals(points)),
        alerts=tuple(alerts),
        faults=options.lab.faults,
        errors=(f"sweeper: {final.error}",) if final.error else (),
        counted_once=counted_once,
        wall_seconds=time.monotonic() - started,
        detections=judge(options.lab.faults, all_rows, counted_once) if options.lab.faults else (),
        canaries=tuple(canary for canary in canaries if canary is not None),
    )
