"""`mailcanary history` against a stack deployed on moto's CloudFormation and against a moto server on loopback
(what `mailcanary demo --keep-running` runs), with rounds written by the real store."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.server import ThreadedMotoServer

from mailcanary.cli import main
from mailcanary.core.checks import CanaryState, Check, PathKind
from mailcanary.store import CanaryRecord, CanaryStore, FailedCheck, canary_table_definition, new_canary, new_path

ROOT = Path(__file__).resolve().parents[2]
REGION = "us-east-1"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _canary(canary_id: str, at: datetime) -> CanaryRecord:
    deadline = at + timedelta(minutes=15)
    paths = [
        new_path(canary_id, "api", PathKind.API, "ses-api:us-east-1", deadline=deadline, envelope=["a@example.com"]),
        new_path(canary_id, "smtp:lab", PathKind.SMTP, "lab", deadline=deadline, envelope=["a@example.com"]),
    ]
    return new_canary(canary_id, paths, created_at=at)


def _fill(store: CanaryStore) -> None:
    """Three rounds a minute apart; the middle one failed on its SMTP path at `smtp.sequence`."""
    for n in range(3):
        store.create(_canary(f"round-{n}", T0 + timedelta(minutes=n)))
    failed = (FailedCheck(Check.SMTP_SEQUENCE, "RCPT before MAIL accepted: 250 2.1.5 Ok"),)
    store.decide_path("round-1", "smtp:lab", CanaryState.FAILED, failed, now=T0 + timedelta(minutes=1, seconds=2))
    store.decide_canary("round-1", CanaryState.FAILED, failed, now=T0 + timedelta(minutes=1, seconds=2))


def _table_resource(name: str) -> dict[str, Any]:
    """The canary table as a CloudFormation resource, from the same definition the lab and the template use."""
    definition = canary_table_definition(name)
    properties = {key: value for key, value in definition.items() if key != "TableName"} | {"TableName": name}
    return {"Type": "AWS::DynamoDB::Table", "Properties": properties}


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("MAILCANARY_STACK", raising=False)
    with mock_aws():
        yield


@pytest.fixture
def stack(aws: None) -> str:
    """A stack named `canaries` on moto's CloudFormation: the canary table and the outputs the template has."""
    template = {
        "Resources": {"CanaryTable": _table_resource("canaries-table")},
        "Outputs": {
            "CanaryTableName": {"Value": {"Ref": "CanaryTable"}},
            "ArtifactBucketName": {"Value": "canaries-artifacts"},
        },
    }
    boto3.client("cloudformation", region_name=REGION).create_stack(
        StackName="canaries", TemplateBody=json.dumps(template)
    )
    _fill(CanaryStore(boto3.client("dynamodb", region_name=REGION), "canaries-table"))
    return "canaries"


def test_given_a_deployed_stack_when_history_runs_then_every_round_with_the_failed_check_and_exit_1(
    stack: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a stack whose table holds three rounds, one failed
    # When history reads the last ten rounds of it by stack name
    code = main(["history", "--stack", stack, "--last", "10"])
    out = capsys.readouterr().out
    # Then the three rounds are listed oldest first, the failure with its evidence and the round's artifacts
    assert [line.split()[2] for line in out.splitlines() if line.startswith("2026")] == [
        "round-0",
        "round-1",
        "round-2",
    ]
    assert "FAIL smtp.sequence: RCPT before MAIL accepted: 250 2.1.5 Ok" in out
    assert "artifacts s3://canaries-artifacts/2026/03/02/round-1/" in out
    assert out.splitlines()[-1] == "3 rounds: 1 failed, 2 pending"
    # And the exit code says a round shown failed
    assert code == 1


def test_given_a_deployed_stack_when_history_runs_as_json_then_one_document_of_the_schema(
    stack: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["history", "--stack", stack, "--since", "2026-03-02T09:00:30Z", "--json"])
    document = json.loads(capsys.readouterr().out)
    assert document["schema"] == "mailcanary.history/1"
    assert document["source"] == {"table": "canaries-table", "endpoint_url": None, "stack": "canaries"}
    assert [view["canary_id"] for view in document["rounds"]] == ["round-1", "round-2"]
    smtp = document["rounds"][0]["paths"][1]
    assert smtp["failed_checks"] == [{"check": "smtp.sequence", "detail": "RCPT before MAIL accepted: 250 2.1.5 Ok"}]
    assert set(smtp["latency_ms"]) == {"send", "delivery", "arrival"}
    assert code == 1


def test_given_a_path_filter_when_the_failed_round_failed_elsewhere_then_exit_0(
    stack: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given round-1 failed on its SMTP path only
    # When only the API path is asked for
    code = main(["history", "--stack", stack, "--last", "3", "--path", "api"])
    out = capsys.readouterr().out
    # Then every round shows its API path alone, and since none of those failed, the exit code is 0
    assert "smtp:lab" not in out
    assert code == 0


def test_given_failed_only_when_listed_then_only_the_failed_round(
    stack: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["history", "--stack", stack, "--failed"]) == 1
    rounds = [line.split()[2] for line in capsys.readouterr().out.splitlines() if line.startswith("2026")]
    assert rounds == ["round-1"]


def test_given_no_such_stack_when_history_runs_then_one_line_and_exit_3(
    aws: None, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["history", "--stack", "not-deployed"])
    captured = capsys.readouterr()
    assert code == 3
    assert captured.out == ""
    assert captured.err.strip().splitlines() == [
        "mailcanary history: cannot read stack 'not-deployed' in us-east-1: ValidationError"
    ]


def test_given_a_stack_without_the_table_output_when_history_runs_then_exit_3_naming_the_output(
    aws: None, capsys: pytest.CaptureFixture[str]
) -> None:
    template = {"Resources": {"Table": _table_resource("other-table")}}
    boto3.client("cloudformation", region_name=REGION).create_stack(
        StackName="other", TemplateBody=json.dumps(template)
    )
    assert main(["history", "--stack", "other"]) == 3
    assert "has no CanaryTableName output" in capsys.readouterr().err


def test_given_a_missing_table_on_an_endpoint_when_history_runs_then_exit_3(
    aws: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["history", "--table", "no-such-table"]) == 3
    assert "no-such-table" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--last", "3", "--since", "1h"], "not allowed with argument"),
        (["--since", "yesterday"], "not a time"),
        (["--last", "0"], "must be 1 or more"),
        (["--since", "1h", "--until", "2h"], "since is after until"),
        (["--stack", "canaries", "--table", "t"], "takes no --endpoint-url"),
        (["--endpoint-url", "file:///etc/passwd"], "must be an http(s) URL"),
    ],
)
def test_given_bad_arguments_when_history_runs_then_one_line_and_exit_2(
    aws: None, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    try:
        code = main(["history", *argv])
    except SystemExit as exited:  # argparse's own usage errors
        code = int(exited.code or 0)
    err = capsys.readouterr().err
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def lab_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A moto server on loopback holding the lab's table (`mailcanary-canaries`) with three rounds."""
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    try:
        client = boto3.client(
            "dynamodb",
            region_name=REGION,
            endpoint_url=endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        client.create_table(**canary_table_definition("mailcanary-canaries"))
        _fill(CanaryStore(client, "mailcanary-canaries"))
        yield endpoint
    finally:
        server.stop()


@pytest.mark.process
def test_given_the_lab_endpoint_and_no_credentials_when_history_runs_as_a_process_then_it_reads_the_lab(
    lab_endpoint: str, tmp_path: Path
) -> None:
    # Given a shell with no AWS credentials or configuration at all (as after `make demo --keep-running`)
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "MAILCANARY_"))}
    environment |= {"HOME": str(tmp_path), "PYTHONPATH": str(ROOT / "shared")}
    # When history is pointed at the lab's moto endpoint, as the demo prints it
    done = subprocess.run(  # our own CLI
        [sys.executable, "-m", "mailcanary", "history", "--endpoint-url", lab_endpoint, "--last", "2", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=environment,
    )
    # Then it reads the lab's table with moto's dummy credentials: the last two rounds, one failed (exit 1)
    assert done.returncode == 1, done.stderr
    document = json.loads(done.stdout)
    assert [view["canary_id"] for view in document["rounds"]] == ["round-1", "round-2"]
    assert document["source"]["endpoint_url"] == lab_endpoint
