"""The fault lab's pure parts: the fault catalogue, EMF parsing, environment restore, verdict judgement,
rendering and the accepted-message lookup that feeds the SES event emulator."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime

import pytest

from mailcanary.core.checks import CanaryState, Check
from mailcanary.core.errors import UsageError
from mailcanary.lab.catalog import FAULTS, FaultLayer, parse_faults
from mailcanary.lab.emf import parse_emf, totals
from mailcanary.lab.environment import patched_environ
from mailcanary.lab.fault_proxy import ApiFault
from mailcanary.lab.faults import SmtpFault
from mailcanary.lab.feed import accepted_messages
from mailcanary.lab.inbound import ArrivalFault
from mailcanary.lab.render import render_report
from mailcanary.lab.results import CheckRow, DemoReport, RoundRecord, Status, judge, round_rows
from mailcanary.lab.ses_emulator import EventFault
from mailcanary.lab.smtp_endpoint import DeliveredMessage
from mailcanary.store import FailedCheck, PathKind, new_canary, new_path

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_given_the_catalogue_then_every_issue_fault_is_there_with_a_lab_mechanism() -> None:
    # Every SMTP fault is an endpoint knob, every API fault a proxy fault, every event fault an emulator fault
    assert len(FAULTS) == 27
    for fault in FAULTS.values():
        mechanism = {
            FaultLayer.SMTP: lambda name: SmtpFault(name),
            FaultLayer.API: lambda name: ApiFault(name),
            FaultLayer.EVENTS: lambda name: EventFault(name),
            FaultLayer.ENVELOPE: lambda name: name,
            FaultLayer.ARRIVAL: lambda name: ArrivalFault(name),
        }[fault.layer]
        assert mechanism(fault.name)
    assert FAULTS["event-duplicate"].expected is None
    # and every README row of the fault lab is a fault of the catalogue, and the other way round
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text().split("## Fault lab", 1)[1]
    rows = {line.split("`")[1] for line in readme.split("\n## ", 1)[0].splitlines() if line.startswith("| `")}
    assert rows == set(FAULTS)


def test_given_fault_names_when_parsed_then_known_ones_once_and_unknown_is_a_usage_error() -> None:
    assert [f.name for f in parse_faults(["rcpt-refused", "RCPT-REFUSED", "event-lost"])] == [
        "rcpt-refused",
        "event-lost",
    ]
    with pytest.raises(UsageError, match="unknown fault 'nope'"):
        parse_faults(["nope"])


EMF = {
    "_aws": {
        "Timestamp": 1,
        "CloudWatchMetrics": [
            {
                "Namespace": "Mailcanary",
                "Dimensions": [["Path", "Target"]],
                "Metrics": [{"Name": "CanarySent", "Unit": "Count"}, {"Name": "SendLatency", "Unit": "Milliseconds"}],
            }
        ],
    },
    "Path": "api",
    "Target": "ses-api:us-east-1",
    "CanarySent": [1.0],
    "SendLatency": 40.5,
}


def test_given_emf_and_log_lines_when_parsed_then_metric_points_and_other_lines_apart() -> None:
    text = json.dumps(EMF) + "\n" + '{"level": "WARNING", "message": "m"}\nplain text\n\n' + json.dumps(EMF)
    points, others = parse_emf(text)
    assert [p.label for p in points] == [
        "CanarySent{Path=api,Target=ses-api:us-east-1}",
        "SendLatency{Path=api,Target=ses-api:us-east-1}",
    ] * 2
    assert len(others) == 2
    summed = {t.name: (t.count, t.total) for t in totals(points)}
    assert summed == {"CanarySent": (2, 2.0), "SendLatency": (2, 81.0)}


def test_given_patched_environment_when_block_ends_then_every_variable_is_restored() -> None:
    os.environ["MAILCANARY_LAB_TEST_KEEP"] = "before"
    os.environ.pop("MAILCANARY_LAB_TEST_NEW", None)
    try:
        with patched_environ(
            {"MAILCANARY_LAB_TEST_KEEP": "during", "MAILCANARY_LAB_TEST_NEW": "x"},
            clear=("MAILCANARY_LAB_TEST_KEEP_CLEARED",),
        ):
            assert os.environ["MAILCANARY_LAB_TEST_KEEP"] == "during"
            assert os.environ["MAILCANARY_LAB_TEST_NEW"] == "x"
        assert os.environ["MAILCANARY_LAB_TEST_KEEP"] == "before"
        assert "MAILCANARY_LAB_TEST_NEW" not in os.environ
    finally:
        os.environ.pop("MAILCANARY_LAB_TEST_KEEP", None)


def _summary(api_failed: bool = False) -> dict[str, object]:
    return {
        "canary_id": "c1",
        "passed": not api_failed,
        "paths": [
            {
                "path": "api",
                "kind": "api",
                "target": "ses-api:us-east-1",
                "ses_message_id": None if api_failed else "m1",
                "envelope": ["a@x.test"],
                "send_ms": 12.0,
                "verdicts": [
                    {"check": "ses.api", "passed": not api_failed, "detail": "Throttling" if api_failed else ""}
                ],
            },
            {
                "path": "smtp:lab",
                "kind": "smtp",
                "target": "lab",
                "ses_message_id": "s1",
                "envelope": ["a@x.test"],
                "send_ms": 30.0,
                "verdicts": [
                    {"check": "smtp.transport", "passed": True, "detail": ""},
                    {"check": "smtp.sequence", "passed": True, "detail": ""},
                ],
            },
        ],
    }


def _canary(api_state: CanaryState, smtp_checks: tuple[FailedCheck, ...] = ()):  # type: ignore[no-untyped-def]
    from dataclasses import replace

    api = replace(new_path("c1", "api", PathKind.API, "ses", deadline=T0), state=api_state)
    smtp_state = CanaryState.FAILED if smtp_checks else CanaryState.PASSED
    smtp = replace(
        new_path("c1", "smtp:lab", PathKind.SMTP, "lab", deadline=T0), state=smtp_state, failed_checks=smtp_checks
    )
    return new_canary("c1", (api, smtp), created_at=T0)


def test_given_a_failed_send_when_rows_are_built_then_event_checks_are_skipped_not_passed() -> None:
    bounce = FailedCheck(Check.OUTCOME_UNEXPECTED_BOUNCE, "a@x.test bounced")
    rows = round_rows(1, _summary(api_failed=True), _canary(CanaryState.FAILED, (bounce,)))
    by_key = {(row.path, row.check): row for row in rows}
    assert by_key[("api", "ses.api")].status is Status.FAIL
    assert by_key[("api", "ses.api")].latency_ms == 12.0
    assert by_key[("api", "recipients.delivered")].status is Status.SKIP
    assert by_key[("smtp:lab", "outcome.unexpected_bounce")].status is Status.FAIL
    assert by_key[("smtp:lab", "recipients.delivered")].status is Status.PASS


def test_given_an_undecided_path_when_rows_are_built_then_pending() -> None:
    rows = round_rows(1, _summary(), _canary(CanaryState.PENDING))
    assert {row.status for row in rows if row.path == "api" and row.check == "lost"} == {Status.PENDING}


def _rows(*failed: str) -> list[CheckRow]:
    return [CheckRow(1, "api", check, Status.FAIL) for check in failed] + [CheckRow(1, "api", "ses.api", Status.PASS)]


def test_given_failures_when_judged_then_caught_only_by_own_check_and_unexplained_failures_flagged() -> None:
    (ok,) = judge(parse_faults(["rcpt-refused"]), _rows("smtp.transport"), None)
    assert ok.ok
    (missed,) = judge(parse_faults(["rcpt-refused"]), _rows(), None)
    assert not missed.caught
    (noisy,) = judge(parse_faults(["rcpt-refused"]), _rows("smtp.transport", "lost"), None)
    assert noisy.caught
    assert not noisy.clean
    assert "lost" in noisy.note


def test_given_event_duplicate_when_judged_then_ok_only_if_nothing_failed_and_counted_once() -> None:
    (once,) = judge(parse_faults(["event-duplicate"]), _rows(), counted_once=True)
    assert once.ok
    assert once.note == "no failure, counted once"
    (twice,) = judge(parse_faults(["event-duplicate"]), _rows(), counted_once=False)
    assert not twice.ok


def test_given_a_report_when_rendered_then_table_failures_metrics_and_verdict_show() -> None:
    rows = round_rows(1, _summary(api_failed=True), _canary(CanaryState.FAILED))
    points, _ = parse_emf(json.dumps(EMF))
    report = DemoReport(
        rounds=(RoundRecord(1, "c1", "failed", True, tuple(rows)),),
        metrics=tuple(totals(points)),
        alerts=({"subject": "mailcanary: ses.api failed on api (canary c1)", "body": "{}"},),
    )
    text = render_report(report)
    assert "round 1" in text
    assert "FAIL 12 ms" in text
    assert "round 1 api ses.api: Throttling" in text
    assert "SendLatency{Path=api,Target=ses-api:us-east-1}  1 x, avg 40 ms" in text
    assert "[round ?] mailcanary: ses.api failed on api" in text
    assert text.endswith("demo: FAIL (1 round in 0.0 s)")
    assert json.loads(json.dumps(report.to_dict()))["passed"] is False


def test_given_round_summary_when_looking_up_accepted_messages_then_api_uses_destinations_smtp_the_endpoint() -> None:
    delivered = [DeliveredMessage("canary@x.test", ("a@x.test",), b"To: a@x.test\r\n\r\nhi\r\n", "s1", True, "u")]
    accepted, missing = accepted_messages(
        _summary(),
        sender="canary@x.test",
        configuration_set="cs",
        sent_raw={"m1": b"To: b@x.test\r\n\r\n"},
        delivered=delivered,
        now=T0,
    )
    assert missing == []
    assert [(a.message_id, a.destinations) for a in accepted] == [("m1", ("a@x.test",)), ("s1", ("a@x.test",))]
    _, missing = accepted_messages(_summary(), sender="c", configuration_set="cs", sent_raw={}, delivered=[])
    assert missing == ["api", "smtp:lab"]


def test_given_list_faults_when_the_cli_runs_then_every_fault_and_its_check_are_listed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from mailcanary.cli import main

    assert main(["demo", "--list-faults"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == len(FAULTS)
    assert any(line.startswith("strip-cc-header") and "recipients.delivered" in line for line in out)
    assert main(["demo", "--fault-matrix", "--fault", "event-lost"]) == 2


def test_given_round_times_in_any_zone_when_the_json_report_is_made_then_iso_8601_utc_with_z_and_a_version() -> None:
    # Given a round that started at 10:00:00.5 at UTC+2 and was never decided
    from datetime import timedelta, timezone

    from mailcanary.lab.results import REPORT_SCHEMA_VERSION

    started = datetime(2026, 3, 1, 10, 0, 0, 500_000, tzinfo=timezone(timedelta(hours=2)))
    record = RoundRecord(1, "c1", "pending", False, (), started_at=started, decided_at=None)
    # When the report document is made
    document = DemoReport(rounds=(record,), metrics=(), alerts=()).to_dict()
    # Then it carries the schema version, and the round's times in UTC with a Z (null when undecided)
    assert document["schema_version"] == REPORT_SCHEMA_VERSION
    assert document["rounds"][0]["started_at"] == "2026-03-01T08:00:00.500Z"
    assert document["rounds"][0]["decided_at"] is None
    json.dumps(document)  # plain JSON
