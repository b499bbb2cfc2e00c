"""Deciding a path on its arrived copy: matched by canary header and Message-ID, recorded once, judged, decided
with its metrics and alert exactly once; the sweep fails a copy that never came; a late copy changes nothing."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import timedelta

import pytest
from arrival_world import T0, awaiting_canary, copy_of, later

from mailcanary.arrival.bounces import bounce_verdicts
from mailcanary.arrival.checks import judge_arrival
from mailcanary.arrival.model import AuthVerdict
from mailcanary.core.checks import CanaryState, Check
from mailcanary.decide.arrival import ArrivalDisposition, record_arrivals
from mailcanary.decide.effects import EffectSink
from mailcanary.decide.sweep import sweep
from mailcanary.decide.transitions import Transition
from mailcanary.report.alerts import AlertError
from mailcanary.report.observability import MetricName, MetricObservation
from mailcanary.store import CanaryStore

NOW = T0 + timedelta(minutes=1)


@dataclass
class Collected:
    """What left through the effect sink: every metric and every alerted decision."""

    metrics: list[MetricObservation] = field(default_factory=list)
    alerts: list[Transition] = field(default_factory=list)
    failures_left: int = 0  # alerts that fail before one gets through

    def sink(self) -> EffectSink:
        def alert(transition: Transition) -> int:
            if self.failures_left:
                self.failures_left -= 1
                raise AlertError("SNS unavailable")
            self.alerts.append(transition)
            return 1

        return EffectSink(emit=self.metrics.extend, alert=alert)

    def failed_checks(self) -> list[str]:
        """The Check dimension of every CheckFailed data point."""
        return [value for m in self.metrics if m.name is MetricName.CHECK_FAILED for _, value in m.dimensions]


def _failed(store: CanaryStore, canary_id: str, path: str) -> list[Check]:
    canary = store.get(canary_id)
    assert canary is not None
    found = canary.path(path)
    assert found is not None
    return [failed.check for failed in found.failed_checks]


def test_given_an_awaiting_path_when_its_copy_arrives_intact_then_it_passes_once(store: CanaryStore) -> None:
    # Given a canary whose only path, an SMTP relay, awaits its copy
    _, messages = awaiting_canary(store, "c-pass", api=False)
    out = Collected()
    copy = copy_of(messages["smtp:relay0"])
    # When SES inbound hands over the copy, 42 s after the send
    report = record_arrivals([copy], store=store, judge=judge_arrival, now=NOW, effects=out.sink())
    # Then the path and the canary pass, with the arrival latency and the pass counted once
    assert report.arrivals == {ArrivalDisposition.APPLIED: 1}
    canary = store.get("c-pass")
    assert canary is not None
    assert (canary.state, canary.paths[0].state) == (CanaryState.PASSED, CanaryState.PASSED)
    assert canary.paths[0].arrivals[0].envelope_recipients == messages["smtp:relay0"].envelope_recipients
    latency = [m for m in out.metrics if m.name is MetricName.ARRIVAL_LATENCY]
    assert [m.value for m in latency] == [42_000.0]
    assert [m.name for m in out.metrics if m.name is MetricName.CANARY_PASSED] == [MetricName.CANARY_PASSED]
    assert len(out.alerts) == 1
    assert out.alerts[0].state is CanaryState.PASSED
    # And a redelivery of the same copy counts and decides nothing again
    again = Collected()
    second = record_arrivals([copy], store=store, judge=judge_arrival, now=NOW, effects=again.sink())
    assert second.arrivals == {ArrivalDisposition.DUPLICATE: 1}
    assert (again.metrics, again.alerts, second.transitions) == ([], [], ())


def test_given_a_copy_with_a_rewritten_subject_when_it_arrives_then_only_delivery_headers_fails(
    store: CanaryStore,
) -> None:
    # Given an awaiting path whose relay rewrote the Subject on the way
    _, messages = awaiting_canary(store, "c-rewritten", api=False)
    message = messages["smtp:relay0"]
    raw = message.raw.replace(b"Subject: mailcanary c-rewritten", b"Subject: [EXTERNAL] mailcanary c-rewritten")
    out = Collected()
    # When the copy arrives
    record_arrivals([copy_of(message, raw=raw)], store=store, judge=judge_arrival, now=NOW, effects=out.sink())
    # Then the path failed delivery.headers alone, counted and alerted once
    assert _failed(store, "c-rewritten", "smtp:relay0") == [Check.DELIVERY_HEADERS]
    assert out.failed_checks() == ["delivery.headers"]
    assert [v.check for t in out.alerts if t.path for v in t.verdicts] == [Check.DELIVERY_HEADERS]


def test_given_a_failed_receipt_dkim_verdict_when_the_copy_arrives_then_delivery_authentication_fails(
    store: CanaryStore,
) -> None:
    # Given an awaiting path whose copy SES received with a failing DKIM verdict
    _, messages = awaiting_canary(store, "c-dkim", api=False)
    copy = copy_of(messages["smtp:relay0"], dkim=AuthVerdict.FAIL)
    # When it arrives; Then delivery.authentication alone fails
    record_arrivals([copy], store=store, judge=judge_arrival, now=NOW)
    assert _failed(store, "c-dkim", "smtp:relay0") == [Check.DELIVERY_AUTHENTICATION]


def test_given_a_changed_message_id_and_one_awaiting_path_when_it_arrives_then_it_is_matched_and_headers_fail(
    store: CanaryStore,
) -> None:
    # Given a canary with one awaiting path whose relay replaced the Message-ID
    _, messages = awaiting_canary(store, "c-msgid")
    message = messages["smtp:relay0"]
    raw = message.raw.replace(message.message_id.encode(), b"<replaced@relay.example>")
    # When the copy arrives; Then it is still matched to the awaiting path, which fails delivery.headers
    report = record_arrivals([copy_of(message, raw=raw)], store=store, judge=judge_arrival, now=NOW)
    assert report.arrivals == {ArrivalDisposition.APPLIED: 1}
    assert _failed(store, "c-msgid", "smtp:relay0") == [Check.DELIVERY_HEADERS]


def test_given_copies_that_are_not_awaited_or_not_ours_when_they_arrive_then_nothing_changes(
    store: CanaryStore,
) -> None:
    # Given a canary with an API path (decided by SES's events) and an awaiting SMTP path
    _, messages = awaiting_canary(store, "c-mixed")
    stranger = copy_of(messages["api"], raw=b"From: someone@example.net\r\nSubject: hello\r\n\r\nhi\r\n")
    unknown = copy_of(
        messages["api"], raw=messages["api"].raw.replace(b"X-Mailcanary-Id: c-mixed", b"X-Mailcanary-Id: c-gone")
    )
    out = Collected()
    # When the API path's copy, a message without a canary header and one of an unknown canary arrive
    report = record_arrivals(
        [copy_of(messages["api"]), stranger, unknown], store=store, judge=judge_arrival, now=NOW, effects=out.sink()
    )
    # Then the API path's copy is left to SES's events, the others count as unmatched, and no path moved
    assert report.arrivals == {ArrivalDisposition.NOT_AWAITED: 1, ArrivalDisposition.UNMATCHED: 2}
    assert [m.name for m in out.metrics] == [MetricName.UNMATCHED_ARRIVAL] * 2
    canary = store.get("c-mixed")
    assert canary is not None
    assert {path.state for path in canary.paths} == {CanaryState.PENDING}


def test_given_two_copies_of_one_path_in_one_batch_when_they_arrive_then_they_are_judged_together(
    store: CanaryStore,
) -> None:
    # Given an awaiting path to To and Cc, whose copies arrive one per recipient
    _, messages = awaiting_canary(store, "c-split", api=False)
    message = messages["smtp:relay0"]
    to, cc = message.envelope_recipients
    copies = [
        copy_of(message, recipients=(to,), location="s3://i/1"),
        later(copy_of(message, recipients=(cc,), location="s3://i/2"), 3),
    ]
    out = Collected()
    # When both arrive in one batch
    report = record_arrivals(copies, store=store, judge=judge_arrival, now=NOW, effects=out.sink())
    # Then the path passes on both together, with one latency per copy and one decision
    assert report.arrivals == {ArrivalDisposition.APPLIED: 2}
    assert _failed(store, "c-split", "smtp:relay0") == []
    assert sorted(m.value for m in out.metrics if m.name is MetricName.ARRIVAL_LATENCY) == [42_000.0, 45_000.0]
    assert len([m for m in out.metrics if m.name is MetricName.CANARY_PASSED]) == 1


def test_given_a_copy_that_never_came_when_swept_then_delivery_arrived_fails_and_a_late_copy_changes_nothing(
    store: CanaryStore,
) -> None:
    # Given an awaiting path past its deadline with no copy
    _, messages = awaiting_canary(store, "c-never", api=False)
    out = Collected()
    # When the sweeper runs
    sweep(store=store, now=T0 + timedelta(hours=1), effects=out.sink())
    # Then the path is decided as never arrived (delivery.arrived), not as a lost SES event
    canary = store.get("c-never")
    assert canary is not None
    assert canary.state is CanaryState.LOST
    [failed] = canary.paths[0].failed_checks
    assert failed.check is Check.DELIVERY_ARRIVED
    assert "never arrived" in failed.detail
    assert out.failed_checks() == ["delivery.arrived"]
    # And when the copy arrives after all, it is recorded and measured but the decision stands
    late = Collected()
    report = record_arrivals(
        [later(copy_of(messages["smtp:relay0"]), 3600)], store=store, judge=judge_arrival, now=NOW, effects=late.sink()
    )
    assert report.arrivals == {ArrivalDisposition.LATE: 1}
    assert [m.name for m in late.metrics] == [MetricName.ARRIVAL_LATENCY]
    assert late.alerts == []
    assert report.transitions == ()
    assert store.get("c-never").paths[0].state is CanaryState.LOST  # type: ignore[union-attr]


def test_given_an_alert_that_fails_once_when_the_copy_is_redelivered_then_everything_goes_out_exactly_once(
    store: CanaryStore,
) -> None:
    # Given a failing copy and an alert topic that fails the first publish
    _, messages = awaiting_canary(store, "c-retry", api=False)
    copy = copy_of(messages["smtp:relay0"], spf=AuthVerdict.FAIL)
    out = Collected(failures_left=1)
    # When the first invocation fails on the alert and SNS redelivers the notification
    with pytest.raises(AlertError):
        record_arrivals([copy], store=store, judge=judge_arrival, now=NOW, effects=out.sink())
    record_arrivals([copy], store=store, judge=judge_arrival, now=NOW, effects=out.sink())
    # Then the decision, each metric and the alert went out once across both invocations
    assert len(out.alerts) == 1
    assert sorted(m.name.value for m in out.metrics) == sorted(
        ["ArrivalLatency", "CanaryFailed", "CanaryFailed", "CheckFailed"]
    )
    canary = store.get("c-retry")
    assert canary is not None
    assert canary.state is CanaryState.FAILED
    assert canary.paths[0].effects_owed == frozenset()


def test_given_a_late_copy_before_the_sweep_when_it_arrives_then_delivery_arrived_fails_as_late(
    store: CanaryStore,
) -> None:
    # Given an awaiting path whose copy arrives an hour after the send (past its 15-minute deadline)
    _, messages = awaiting_canary(store, "c-late", api=False)
    copy = replace(copy_of(messages["smtp:relay0"]), received_at=T0 + timedelta(hours=1))
    # When it arrives before any sweep; Then delivery.arrived fails as late, alone
    record_arrivals([copy], store=store, judge=judge_arrival, now=T0 + timedelta(hours=1))
    assert _failed(store, "c-late", "smtp:relay0") == [Check.DELIVERY_ARRIVED]


def test_given_a_copy_for_the_to_recipient_only_when_the_deadline_passes_then_delivery_envelope_fails(
    store: CanaryStore,
) -> None:
    # Given an awaiting path to To and Cc, and a relay that dropped the Cc recipient: the copy names To only
    _, messages = awaiting_canary(store, "c-dropped", api=False)
    message = messages["smtp:relay0"]
    to, cc = message.envelope_recipients
    # When the copy arrives, the path still waits for the Cc recipient's copy
    report = record_arrivals([copy_of(message, recipients=(to,))], store=store, judge=judge_arrival, now=NOW)
    assert report.arrivals == {ArrivalDisposition.APPLIED: 1}
    assert report.transitions == ()
    # And when the sweep finds it at its deadline, the missing recipient fails delivery.envelope alone
    out = Collected()
    sweep(store=store, now=T0 + timedelta(hours=1), effects=out.sink())
    canary = store.get("c-dropped")
    assert canary is not None
    [failed] = canary.paths[0].failed_checks
    assert (failed.check, cc in failed.detail) == (Check.DELIVERY_ENVELOPE, True)
    assert out.failed_checks() == ["delivery.envelope"]


def test_given_copies_in_two_batches_when_the_second_completes_the_envelope_then_both_are_judged(
    store: CanaryStore,
) -> None:
    # Given an awaiting path to To and Cc whose To copy arrived with a rewritten Subject
    _, messages = awaiting_canary(store, "c-two", api=False)
    message = messages["smtp:relay0"]
    to, cc = message.envelope_recipients
    rewritten = message.raw.replace(b"Subject: mailcanary c-two", b"Subject: [EXT] mailcanary c-two")
    first = copy_of(message, raw=rewritten, recipients=(to,), location="s3://i/to")
    record_arrivals([first], store=store, judge=judge_arrival, now=NOW)
    # When the intact Cc copy arrives in a later batch
    out = Collected()
    second = later(copy_of(message, recipients=(cc,), location="s3://i/cc"), 5)
    record_arrivals([second], store=store, judge=judge_arrival, now=NOW, effects=out.sink())
    # Then the path is decided now, failing delivery.headers for what the first copy carried, and nothing else
    assert _failed(store, "c-two", "smtp:relay0") == [Check.DELIVERY_HEADERS]
    assert out.failed_checks() == ["delivery.headers"]


def test_given_a_bounce_returned_to_the_sender_when_it_arrives_then_the_path_fails_unexpected_bounce_once(
    store: CanaryStore,
) -> None:
    from mailcanary.lab.inbound import returned
    from mailcanary.lab.smtp_endpoint import DeliveredMessage

    # Given an awaiting path whose relay bounced the canary back to its MAIL FROM
    _, messages = awaiting_canary(store, "c-bounced", api=False)
    message = messages["smtp:relay0"]
    sent = DeliveredMessage("canary@example.com", message.envelope_recipients, message.raw, "Q1", False, None)
    dsn = copy_of(message, raw=returned(sent), recipients=("canary@example.com",), location="s3://i/dsn")
    out = Collected()
    # When the DSN arrives where the receiver reads
    report = record_arrivals(
        [dsn], store=store, judge=judge_arrival, now=NOW, effects=out.sink(), bounces=bounce_verdicts
    )
    # Then it is matched to its path by the returned headers, which fails outcome.unexpected_bounce alone, once
    assert report.arrivals == {ArrivalDisposition.BOUNCED: 1}
    assert _failed(store, "c-bounced", "smtp:relay0") == [Check.OUTCOME_UNEXPECTED_BOUNCE]
    assert out.failed_checks() == ["outcome.unexpected_bounce"]
    assert [m.name for m in out.metrics if m.name is MetricName.ARRIVAL_LATENCY] == []  # a bounce is no arrival
    again = Collected()
    record_arrivals([dsn], store=store, judge=judge_arrival, now=NOW, effects=again.sink(), bounces=bounce_verdicts)
    assert (again.metrics, again.alerts) == ([], [])
    # And without bounce matching the same DSN is just a message that names no canary
    assert record_arrivals([dsn], store=store, judge=judge_arrival, now=NOW).arrivals == {
        ArrivalDisposition.UNMATCHED: 1
    }
