"""`mailcanary report --html` against a stack deployed on moto's CloudFormation, with rounds written by the real
store and read back through the history reader (`list_canaries`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from mailcanary.cli import main
from mailcanary.core.checks import CanaryState, Check, PathKind
from mailcanary.store import CanaryRecord, CanaryStore, FailedCheck, canary_table_definition, new_canary, new_path

REGION = "us-east-1"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
EVIDENCE = "RCPT before MAIL accepted: 250 2.1.5 <b>Ok</b>"


def _canary(canary_id: str, at: datetime) -> CanaryRecord:
    deadline = at + timedelta(minutes=15)
    paths = [
        new_path(canary_id, "api", PathKind.API, "ses-api:us-east-1", deadline=deadline, envelope=["a@example.com"]),
        new_path(canary_id, "smtp:lab", PathKind.SMTP, "lab", deadline=deadline, envelope=["a@example.com"]),
    ]
    return new_canary(canary_id, paths, created_at=at)


def _fill(store: CanaryStore) -> None:
    """Four rounds a minute apart, all decided; the second failed on its SMTP path at `smtp.sequence`."""
    for n in range(4):
        at = T0 + timedelta(minutes=n)
        store.create(_canary(f"round-{n}", at))
        failed = (FailedCheck(Check.SMTP_SEQUENCE, EVIDENCE),) if n == 1 else ()
        state = CanaryState.FAILED if failed else CanaryState.PASSED
        store.decide_path(f"round-{n}", "api", CanaryState.PASSED, (), now=at + timedelta(seconds=2))
        store.decide_path(f"round-{n}", "smtp:lab", state, failed, now=at + timedelta(seconds=2))
        store.decide_canary(f"round-{n}", state, failed, now=at + timedelta(seconds=2))


@pytest.fixture
def stack(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A stack named `canaries` on moto's CloudFormation: the canary table and its output, four rounds in it."""
    for name, value in {"AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t", "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "MAILCANARY_STACK"):
        monkeypatch.delenv(name, raising=False)
    with mock_aws():
        definition = canary_table_definition("canaries-table")
        table: dict[str, Any] = {"Type": "AWS::DynamoDB::Table", "Properties": definition}
        template = {
            "Resources": {"CanaryTable": table},
            "Outputs": {"CanaryTableName": {"Value": {"Ref": "CanaryTable"}}},
        }
        boto3.client("cloudformation", region_name=REGION).create_stack(
            StackName="canaries", TemplateBody=json.dumps(template)
        )
        _fill(CanaryStore(boto3.client("dynamodb", region_name=REGION), "canaries-table"))
        yield "canaries"


def test_given_a_deployed_stack_when_report_runs_over_a_window_then_the_page_shows_exactly_its_rounds(
    stack: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a stack with four rounds from 09:00 to 09:03, the one at 09:01 failed
    page = tmp_path / "out.html"
    # When the report covers 09:00:30 to 09:02:30
    window = ["--since", "2026-03-02T09:00:30Z", "--until", "2026-03-02T09:02:30Z"]
    code = main(["report", "--html", str(page), "--stack", stack, *window])
    err = capsys.readouterr().err
    # Then it wrote the page and said so, exit 0
    assert code == 0, err
    assert "report: 2 rounds from canaries ->" in err
    html = page.read_text(encoding="utf-8")
    # And the page holds the two rounds in the window: the failure with its (escaped) evidence, its charts
    assert "2 rounds from 2026-03-02 09:01:00 UTC to 2026-03-02 09:02:00 UTC" in html
    assert "Failed checks (1)" in html
    assert "round-1" in html
    assert "RCPT before MAIL accepted: 250 2.1.5 &lt;b&gt;Ok&lt;/b&gt;" in html
    assert "round-0" not in html
    assert "round-3" not in html
    assert html.count("<svg") >= 2
    assert "<title>mailcanary report: canaries</title>" in html


def test_given_no_such_stack_when_report_runs_then_one_line_exit_3_and_no_page(
    stack: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "out.html"
    code = main(["report", "--html", str(page), "--stack", "not-deployed", "--since", "1h"])
    err = capsys.readouterr().err
    assert code == 3
    assert err.strip().splitlines() == [
        "mailcanary report: cannot read stack 'not-deployed' in us-east-1: ValidationError"
    ]
    assert not page.exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--since", "yesterday"], "not a time"),
        (["--since", "1h", "--until", "2h"], "since is after until"),
        (["--since", "1h", "--stack", "canaries", "--table", "t"], "takes no --endpoint-url"),
        (["--until", "1h"], "the following arguments are required: --since"),
    ],
)
def test_given_bad_arguments_when_report_runs_then_one_line_and_exit_2(
    stack: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    try:
        code = main(["report", "--html", str(tmp_path / "out.html"), *argv])
    except SystemExit as exited:  # argparse's own usage errors
        code = int(exited.code or 0)
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out.html").exists()


def test_given_an_unwritable_path_when_report_runs_then_exit_2_before_reading(
    stack: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["report", "--html", str(tmp_path / "no-dir" / "out.html"), "--stack", "nope", "--since", "1h"])
    err = capsys.readouterr().err
    assert code == 2  # not 3: the path is checked before the stack is read
    assert "cannot write the report to" in err


def test_given_the_labs_moto_endpoint_when_report_runs_then_it_reads_the_labs_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a moto server on loopback holding the lab's table with four rounds, and no AWS settings at all
    import socket

    from moto.server import ThreadedMotoServer

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE", "AWS_ENDPOINT_URL", "MAILCANARY_STACK"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        endpoint = f"http://127.0.0.1:{port}"
        client = boto3.client(
            "dynamodb", region_name=REGION, endpoint_url=endpoint, aws_access_key_id="t", aws_secret_access_key="t"
        )
        client.create_table(**canary_table_definition("mailcanary-canaries"))
        _fill(CanaryStore(client, "mailcanary-canaries"))
        page = tmp_path / "lab.html"
        # When the report reads it by endpoint (the default lab table), from 09:00 on
        code = main(["report", "--html", str(page), "--endpoint-url", endpoint, "--since", "2026-03-02T09:00Z"])
    finally:
        server.stop()
    # Then all four rounds are in the page, titled by the table
    assert code == 0, capsys.readouterr().err
    html = page.read_text(encoding="utf-8")
    assert "4 rounds from 2026-03-02 09:00:00 UTC to 2026-03-02 09:03:00 UTC" in html
    assert "<title>mailcanary report: mailcanary-canaries</title>" in html
