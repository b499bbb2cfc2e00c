"""The HTML report's pure parts (success rates, latency percentiles, the failure timeline) and the page it writes:
escaped evidence, no script, nothing that could ask the network for anything."""

from __future__ import annotations

import re
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailcanary.cli import main
from mailcanary.core.checks import CanaryState, Check, PathKind
from mailcanary.html_report import Arrival, ChartLibraryMissingError, MatrixRow, render_html
from mailcanary.html_report.latency import latency_stats, percentile
from mailcanary.html_report.page import CSP, MAX_FAILURES_SHOWN
from mailcanary.html_report.series import check_rates, path_rates, time_buckets
from mailcanary.html_report.timeline import failures
from mailcanary.ses.events import EventType
from mailcanary.store.records import CanaryRecord, FailedCheck, ObservedEvent, PathRecord, new_canary, new_path

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
RCPT = "success@simulator.amazonses.com"
HOSTILE = '550 <script>alert("x")</script><img src="http://evil.example/x.png"> \x00\x1b[31m </td></tr> \udcff'


def _path(canary_id: str, name: str, kind: PathKind, created: datetime, **changes: object) -> PathRecord:
    path = new_path(canary_id, name, kind, f"target-{name}", deadline=created + timedelta(minutes=15), envelope=[RCPT])
    return replace(path, **changes)  # type: ignore[arg-type]


def _delivery(at: datetime, key: str = "k1") -> ObservedEvent:
    return ObservedEvent(key, EventType.DELIVERY, at, (RCPT,))


def _round(
    number: int,
    *,
    smtp_failed: tuple[FailedCheck, ...] = (),
    smtp_sent: bool = True,
    api_state: CanaryState = CanaryState.PASSED,
    minutes: float = 1.0,
) -> CanaryRecord:
    created = T0 + timedelta(minutes=number * minutes)
    canary_id = f"c{number:03d}"
    sent = created + timedelta(seconds=0.5)
    api = _path(
        canary_id,
        "api",
        PathKind.API,
        created,
        sent_at=sent,
        state=api_state,
        events=(_delivery(sent + timedelta(seconds=2)),),
    )
    smtp = _path(
        canary_id,
        "smtp:lab",
        PathKind.SMTP,
        created,
        sent_at=sent + timedelta(seconds=1) if smtp_sent else None,
        state=CanaryState.FAILED if smtp_failed else CanaryState.PASSED,
        failed_checks=smtp_failed,
        decided_at=created + timedelta(seconds=3),
    )
    state = CanaryState.FAILED if smtp_failed else api_state
    return replace(new_canary(canary_id, [api, smtp], created_at=created), state=state)


def test_given_rounds_when_bucketed_then_at_most_the_limit_and_every_round_in_one_bucket() -> None:
    # Given 100 rounds a minute apart
    records = [_round(i) for i in range(100)]
    # When they are bucketed into at most 48 slices
    buckets = time_buckets(records, limit=48)
    # Then there are 48 labels, every round has a bucket, and later rounds never land in earlier buckets
    assert len(buckets.labels) == 48
    slots = [buckets.index[record.canary_id] for record in records]
    assert slots == sorted(slots)
    assert slots[0] == 0
    assert slots[-1] == 47
    # And three rounds make three buckets: one point per round
    assert len(time_buckets(records[:3]).labels) == 3
    assert time_buckets([]).labels == ()


def test_given_a_failed_send_when_rates_are_computed_then_path_and_check_fail_and_skipped_checks_do_not_count() -> None:
    # Given four rounds; in the second the SMTP transport failed (so nothing was sent on that path)
    transport = FailedCheck(Check.SMTP_TRANSPORT, "550 5.1.1 no such user")
    records = [_round(0), _round(1, smtp_failed=(transport,), smtp_sent=False), _round(2), _round(3)]
    buckets = time_buckets(records)
    # When the rates per path and per check are computed
    by_path = {series.name: series for series in path_rates(records, buckets)}
    by_check = {series.name: series for series in check_rates(records, buckets)}
    # Then the SMTP path passed 3 of 4 rounds, the API path all four
    assert by_path["smtp:lab"].values == (100.0, 0.0, 100.0, 100.0)
    assert (by_path["smtp:lab"].runs, by_path["smtp:lab"].failures) == (4, 1)
    assert by_path["api"].values == (100.0,) * 4
    # And smtp.transport failed once in four, while the checks that read SES's events did not run on that path
    assert by_check["smtp.transport"].values == (100.0, 0.0, 100.0, 100.0)
    assert by_check["recipients.delivered"].runs == 7  # 4 API + 3 SMTP paths that sent
    assert by_check["ses.api"].runs == 4
    assert "smtp.sequence" in by_check


def test_given_outcome_checks_and_pending_paths_when_rated_then_outcome_is_one_line_and_pending_is_left_out() -> None:
    # Given a round whose SMTP path bounced unexpectedly, and a round still pending on its API path
    bounced = FailedCheck(Check.OUTCOME_UNEXPECTED_BOUNCE, "bounced")
    records = [_round(0, smtp_failed=(bounced,)), _round(1, api_state=CanaryState.PENDING)]
    buckets = time_buckets(records)
    # When rated
    by_check = {series.name: series for series in check_rates(records, buckets)}
    by_path = {series.name: series for series in path_rates(records, buckets)}
    # Then every outcome.* check is the one `outcome` line, and the pending path is not counted
    assert "outcome.unexpected_bounce" not in by_check
    assert by_check["outcome"].failures == 1
    assert by_path["api"].values == (100.0, None)


@given(st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=1, max_size=200))
def test_given_samples_when_percentiles_are_taken_then_each_is_a_sample_and_p50_le_p99(samples: list[float]) -> None:
    p50, p99 = percentile(samples, 50), percentile(samples, 99)
    assert p50 in samples
    assert p99 in samples
    assert min(samples) <= p50 <= p99 <= max(samples)


def test_given_known_samples_when_percentiles_are_taken_then_nearest_rank() -> None:
    samples = [float(i) for i in range(1, 101)]
    assert (percentile(samples, 50), percentile(samples, 99), percentile(samples, 100)) == (50.0, 99.0, 100.0)
    assert percentile([3.0], 99) == 3.0
    with pytest.raises(ValueError, match="no samples"):
        percentile([], 50)


def test_given_records_and_arrivals_when_latency_is_measured_then_send_delivery_and_arrival_per_target() -> None:
    # Given one round: the API path sent 0.5 s after the round started and SES delivered 2 s and 4 s later (the
    # last recipient delivered counts); the SMTP path arrived at a receiver 7 s after its send; one arrival time
    # is before the send (another machine's clock) and says nothing
    record = _round(0)
    api = record.path("api")
    assert api is not None
    assert api.sent_at is not None
    api = replace(api, events=(_delivery(api.sent_at + timedelta(seconds=4), "k2"), *api.events))
    record = replace(record, paths=(api, record.paths[1]))
    smtp_sent = record.paths[1].sent_at
    assert smtp_sent is not None
    arrivals = [Arrival(record.canary_id, "smtp:lab", smtp_sent + timedelta(seconds=7))]
    # When measured
    stats = {(s.measure, s.target): s for s in latency_stats([record], arrivals)}
    # Then each measure is where the records allow it, in seconds
    assert stats[("send", "target-api")].p50 == 0.5
    assert stats[("send", "target-smtp:lab")].p50 == 1.5
    assert stats[("delivery", "target-api")].p99 == 4.0
    assert stats[("arrival", "target-smtp:lab")].p50 == 7.0
    assert ("delivery", "target-smtp:lab") not in stats  # no Delivery event on that path
    early = [Arrival(record.canary_id, "api", T0 - timedelta(hours=1))]
    assert not any(s.measure == "arrival" for s in latency_stats([record], early))


def test_given_path_and_canary_failures_when_listed_then_oldest_first_and_none_repeated() -> None:
    # Given a later round failing on its path (also recorded on the canary) and an earlier canary-level failure
    transport = FailedCheck(Check.SMTP_TRANSPORT, "421 closing")
    late = _round(5, smtp_failed=(transport,))
    late = replace(late, failed_checks=(transport,))
    early = replace(_round(1), failed_checks=(FailedCheck(Check.LOST, "no event"),), state=CanaryState.LOST)
    # When listed
    found = failures([late, early])
    # Then the early one comes first, as the canary's, and the late one is shown once, on its path
    assert [(f.canary_id, f.path, f.check) for f in found] == [
        ("c001", "", "lost"),
        ("c005", "smtp:lab", "smtp.transport"),
    ]
    assert found[1].detail == "421 closing"
    assert found[1].target == "target-smtp:lab"


def _page(records: list[CanaryRecord], **options: object) -> str:
    return render_html(records, generated_at=T0, **options)  # type: ignore[arg-type]


def test_given_hostile_evidence_when_rendered_then_it_is_escaped_and_the_page_holds_no_script_and_no_reference() -> (
    None
):
    # Given a failure whose evidence is what a hostile server said, and a fault matrix
    hostile = FailedCheck(Check.SMTP_TRANSPORT, HOSTILE)
    records = [_round(0), _round(1, smtp_failed=(hostile,), smtp_sent=False), _round(2)]
    matrix = [
        MatrixRow("rcpt-refused", "smtp.transport", ("smtp.transport",), ok=True),
        MatrixRow("x<b>", None, (), True),
    ]
    # When the page is rendered
    page = _page(records, matrix=matrix, title="<report>")
    # Then the evidence is there, escaped, with control characters as escapes and the lone surrogate kept visible
    assert (
        "550 &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=&quot;http://evil.example/x.png&quot;&gt;"
        in page
    )
    assert "\\x00\\x1b[31m &lt;/td&gt;&lt;/tr&gt; \\udcff" in page
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", page)
    page.encode("utf-8")  # no lone surrogate left
    # And nothing in it runs or asks for anything: no script, no src/href, no url(), no @import
    assert "<script" not in page.lower()
    tags = re.findall(r"<[^>]*>", page)  # the markup itself: escaped text holds no `<`
    assert not [
        tag for tag in tags if re.search(r"\s(?:src|href|xlink:href|action|srcset|formaction|poster)\s*=", tag, re.I)
    ]
    assert not re.search(r"url\(|@import", page, re.IGNORECASE)
    assert f'<meta http-equiv="Content-Security-Policy" content="{CSP.replace(chr(39), "&#x27;")}">' in page
    # And the parts are there: four charts, the failure on its round, the matrix with both faults
    assert page.count("<svg") == 4
    assert "&lt;report&gt;" in page
    assert "<report>" not in page
    assert 'id="matrix"' in page
    assert "x&lt;b&gt;" in page
    assert "(nothing may fail)" in page


def test_given_the_chart_library_when_a_page_is_rendered_then_its_legacy_import_hook_is_not_left_behind() -> None:
    # pygal's hook makes every later failed import warn on Python 3.11 (an error under this suite's settings)
    _page([_round(0)])
    assert not [finder for finder in sys.meta_path if type(finder).__name__ == "PluginImportFixer"]
    with pytest.raises(ImportError):
        __import__("mailcanary_no_such_module")


def test_given_no_rounds_when_rendered_then_a_page_that_says_so() -> None:
    page = _page([])
    assert "No canary rounds in this window." in page
    assert "no failed check" in page
    assert "no latency samples" in page
    assert 'id="matrix"' not in page


def test_given_more_failures_than_shown_when_rendered_then_the_newest_are_shown_and_the_rest_counted() -> None:
    transport = FailedCheck(Check.SMTP_TRANSPORT, "421")
    records = [_round(i, smtp_failed=(transport,), minutes=0.01) for i in range(MAX_FAILURES_SHOWN + 3)]
    page = _page(records)
    assert f"Failed checks ({MAX_FAILURES_SHOWN + 3})" in page
    assert "3 older failed checks not shown." in page
    assert page.count('<tr class="fail">') == MAX_FAILURES_SHOWN
    assert "c000" not in page
    assert f"c{MAX_FAILURES_SHOWN + 2:03d}" in page


def test_given_no_chart_library_when_rendering_then_a_typed_error_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "pygal", None)  # `import pygal` now raises ImportError
    with pytest.raises(ChartLibraryMissingError, match=r"mailcanary\[report\]"):
        _page([_round(0)])


def test_given_no_chart_library_when_demo_html_is_asked_then_exit_2_before_the_lab_starts(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Given pygal missing
    monkeypatch.setitem(sys.modules, "pygal", None)
    # When the demo is asked for an HTML report
    code = main(["demo", "--rounds", "1", "--html", str(tmp_path / "r.html")])
    # Then one line says what to install, exit 2, and nothing ran
    err = capsys.readouterr().err
    assert code == 2
    assert "pip install 'mailcanary[report]'" in err
    assert "lab up" not in err
    assert not (tmp_path / "r.html").exists()


def test_given_the_package_when_searched_then_only_operator_tools_import_the_report_and_only_charts_pygal() -> None:
    # Given every module of mailcanary (shared/ is also the Lambda layer, which has no pygal)
    import ast

    import mailcanary

    root = Path(mailcanary.__file__).parent
    importers: dict[str, set[str]] = {}
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "import_module" and node.args:
                names = [getattr(node.args[0], "value", "")]
            for name in names:
                top = ".".join(name.split(".")[:2]) if name.startswith("mailcanary.") else name.split(".")[0]
                importers.setdefault(top, set()).add(path.relative_to(root).parts[0])
    # When the importers of the report and of its chart library are listed
    # Then only the CLI and the lab import the report, and pygal is loaded by the report's charts alone
    assert importers["mailcanary.html_report"] - {"html_report"} <= {"cli", "lab"}
    assert importers["pygal"] == {"html_report"}
