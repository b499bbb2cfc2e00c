"""Property: however SNS reorders and repeats a canary's events, the verdict and the metrics are the same."""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from canary_tables import IDEMPOTENCY_TABLE, T0, FakeLambdaContext, canary_with, ses_event
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailcanary.core.checks import CanaryState
from mailcanary.decide.idempotency import IdempotencyOptions
from mailcanary.decide.reconcile import handle
from mailcanary.report.observability import MetricObservation
from mailcanary.ses.events import BounceSubType, BounceType, EventType, SesEventSummary
from mailcanary.ses.simulator import Scenario
from mailcanary.store import CanaryRecord, CanaryStore

NOW = T0 + timedelta(minutes=2)
_ids = itertools.count()


@dataclass(frozen=True)
class Plan:
    """What SES does with one canary: per path its recipients, which deviate, a Reject, optional extras."""

    api: tuple[Scenario, ...]
    smtp: tuple[Scenario, ...]
    deviating: frozenset[tuple[str, Scenario]]
    rejected: str | None
    with_send: bool
    with_delay: bool


def _recipient_events(
    message_id: str, destination: tuple[str, ...], rcpt: str, scenario: Scenario, deviates: bool
) -> list[SesEventSummary]:
    def at(seconds: int) -> Any:
        return T0 + timedelta(seconds=seconds)

    def bounce(kind: tuple[BounceType, BounceSubType], status: str | None) -> SesEventSummary:
        return ses_event(
            EventType.BOUNCE,
            message_id,
            destination,
            recipients=(rcpt,),
            status=status,
            bounce=kind,
            feedback_id=f"b-{message_id}-{rcpt}",
            at=at(4),
        )

    deliver = ses_event(EventType.DELIVERY, message_id, destination, recipients=(rcpt,), at=at(3))
    complain = ses_event(
        EventType.COMPLAINT, message_id, destination, recipients=(rcpt,), feedback_id=f"c-{rcpt}", at=at(9)
    )
    permanent = (BounceType.PERMANENT, BounceSubType.GENERAL)
    if scenario in (Scenario.SUCCESS, Scenario.OOTO):
        return [bounce((BounceType.TRANSIENT, BounceSubType.GENERAL), "4.4.7")] if deviates else [deliver]
    if scenario is Scenario.BOUNCE:
        return [deliver] if deviates else [bounce(permanent, "5.1.1")]
    if scenario is Scenario.COMPLAINT:
        return [bounce(permanent, "5.1.1")] if deviates else [deliver, complain]
    suppressed = (BounceType.PERMANENT, BounceSubType.ON_ACCOUNT_SUPPRESSION_LIST)
    return [deliver] if deviates else [bounce(suppressed, None)]


def _events(canary: CanaryRecord, plan: Plan) -> list[SesEventSummary]:
    """Every event SES would publish for `canary` under `plan`, in a canonical order."""
    events: list[SesEventSummary] = []
    for path, scenarios in (("api", plan.api), ("smtp", plan.smtp)):
        record = canary.path(path)
        assert record is not None
        assert record.ses_message_id is not None
        message_id, destination = record.ses_message_id, record.envelope
        if plan.with_send:
            events.append(ses_event(EventType.SEND, message_id, destination, at=T0 + timedelta(seconds=2)))
        if plan.rejected == path:
            events.append(ses_event(EventType.REJECT, message_id, destination, at=T0 + timedelta(seconds=2)))
            continue
        if plan.with_delay:
            first = destination[0]
            delay_at = T0 + timedelta(seconds=2, milliseconds=500)
            events.append(
                ses_event(EventType.DELIVERY_DELAY, message_id, destination, recipients=(first,), at=delay_at)
            )
        for rcpt, scenario in zip(destination, scenarios, strict=True):
            events += _recipient_events(message_id, destination, rcpt, scenario, (path, scenario) in plan.deviating)
    return events


scenario_sets = st.lists(st.sampled_from(list(Scenario)), min_size=1, max_size=3, unique=True).map(tuple)


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    api, smtp = draw(scenario_sets), draw(scenario_sets)
    candidates = [("api", s) for s in api] + [("smtp", s) for s in smtp]
    deviating = frozenset(draw(st.sets(st.sampled_from(candidates))))
    return Plan(
        api, smtp, deviating, draw(st.sampled_from([None, "api", "smtp"])), draw(st.booleans()), draw(st.booleans())
    )


def _outcome(store: CanaryStore, canary_id: str) -> tuple[CanaryState, dict[str, CanaryState], set[tuple[str, str]]]:
    canary = store.get(canary_id)
    assert canary is not None
    checks = {
        (failed.check.value, failed.detail.replace(canary_id, "ID"))
        for path in canary.paths
        for failed in path.failed_checks
    }
    return canary.state, {path.name: path.state for path in canary.paths}, checks


def _run(store: CanaryStore, batches: list[list[SesEventSummary]], **kwargs: Any) -> Counter[MetricObservation]:
    metrics: Counter[MetricObservation] = Counter()
    for batch in batches:
        metrics.update(handle(batch, store=store, now=NOW, **kwargs).metrics)
    return metrics


@pytest.mark.timeout(300)  # ~25 s alone; headroom for a busy shared machine (no timing is asserted)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=plans(), data=st.data())
def test_given_any_order_and_duplication_of_events_when_reconciled_then_same_verdict_and_metrics(
    store: CanaryStore, dynamodb: Any, plan: Plan, data: st.DataObject
) -> None:
    # Given the same canary twice, and every event SES would publish for it
    reference_id, shuffled_id = f"ref{next(_ids)}", f"shf{next(_ids)}"
    reference = canary_with(reference_id, api=plan.api, smtp=plan.smtp)
    shuffled = canary_with(shuffled_id, api=plan.api, smtp=plan.smtp)
    store.create(reference)
    store.create(shuffled)
    canonical = _events(reference, plan)
    events = _events(shuffled, plan)
    # When one copy gets them in order, once, and the other reordered, with repeats, in several invocations
    order = data.draw(st.permutations(range(len(events))), label="order")
    repeats = data.draw(st.lists(st.sampled_from(range(len(events))), max_size=6), label="repeats")
    delivered = [events[index] for index in [*order, *repeats]]
    cuts = sorted(data.draw(st.sets(st.integers(1, len(delivered) - 1)), label="cuts")) if len(delivered) > 1 else []
    batches = [delivered[start:end] for start, end in itertools.pairwise([0, *cuts, len(delivered)])]
    guard = None
    if data.draw(st.booleans(), label="powertools idempotency"):
        guard = IdempotencyOptions(table_name=IDEMPOTENCY_TABLE, client=dynamodb, lambda_context=FakeLambdaContext())
    reference_metrics = _run(store, [canonical])
    shuffled_metrics = _run(store, batches, idempotency=guard)
    # Then both reach the same terminal verdict, with exactly the same metrics
    assert _outcome(store, shuffled_id) == _outcome(store, reference_id)
    assert _outcome(store, reference_id)[0].terminal
    assert shuffled_metrics == reference_metrics
