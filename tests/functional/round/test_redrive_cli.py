"""`mailcanary redrive-ses-events`: usage errors, AWS errors and the printed report, against moto's SQS.

The command builds its clients from the default session, which moto's `mock_aws` serves. Lambda is not invoked
here (moto's needs Docker): the runs below are dry runs, or fail before any invocation."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest

from mailcanary.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, main
from tests.support.aws_world import AwsWorld

ROOT = Path(__file__).resolve().parents[3]
DELIVERY = json.dumps(json.loads((ROOT / "events" / "ses_events" / "sns-delivery.json").read_text()))


@pytest.fixture
def queue_url(aws: AwsWorld) -> str:
    """An empty queue in the moto world (the `aws` fixture also sets dummy credentials and the region)."""
    url: str = aws.client("sqs").create_queue(QueueName="dlq")["QueueUrl"]
    return url


def _send(url: str, *bodies: str) -> None:
    for body in bodies:
        boto3.client("sqs", region_name="us-east-1").send_message(QueueUrl=url, MessageBody=body)


def test_given_a_redrivable_message_when_dry_run_then_one_line_a_summary_and_exit_0(
    queue_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _send(queue_url, DELIVERY)
    code = main(["redrive-ses-events", "--queue-url", queue_url, "--function", "f", "--dry-run"])
    out = capsys.readouterr().out.splitlines()
    assert code == EXIT_OK
    assert " would-redrive lambda SNS 95df01b4-ee98-5cb9-9903-4c221d41eb51" in out[0]
    assert out[-1] == "summary: 1 would-redrive (dry run: nothing invoked or deleted)"


def test_given_an_unrecognised_message_when_redriven_then_it_is_reported_and_exit_1(
    queue_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _send(queue_url, "hello")
    code = main(["redrive-ses-events", "--queue-url", queue_url, "--function", "f", "--max", "5"])
    out = capsys.readouterr().out
    assert code == EXIT_FAILED
    assert "unrecognised - not JSON" in out
    assert out.splitlines()[-1] == "summary: 1 unrecognised"


def test_given_an_empty_queue_when_redriven_then_exit_0(queue_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["redrive-ses-events", "--queue-url", queue_url, "--function", "f"]) == EXIT_OK
    assert capsys.readouterr().out == "summary: no messages\n"


def test_given_a_queue_that_does_not_exist_when_redriven_then_one_line_aws_error_and_exit_1(
    queue_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = queue_url.rsplit("/", 1)[0] + "/no-such-queue"
    code = main(["redrive-ses-events", "--queue-url", missing, "--function", "f"])
    err = capsys.readouterr().err
    assert code == EXIT_FAILED
    assert err.startswith("mailcanary redrive-ses-events: DeadLetterAwsError: sqs:ReceiveMessage failed: ")
    assert "NonExistentQueue" in err
    assert len(err.splitlines()) == 1  # no traceback


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--function", "f"], "--queue-url"),
        (["--queue-url", "https://sqs.us-east-1.amazonaws.com/1/q"], "--function"),
        (["--queue-url", "not a url", "--function", "f"], "--queue-url must be a queue URL"),
        (["--queue-url", "https://sqs.us-east-1.amazonaws.com/1/q", "--function", "f", "--max", "0"], "--max"),
        (["--queue-url", "https://sqs.us-east-1.amazonaws.com/1/q", "--function", "f", "--max", "x"], "--max"),
        (["--queue-url", "https://sqs.us-east-1.amazonaws.com/1/q", "--function", "f", "--time-limit", "0"], "limit"),
    ],
)
def test_given_bad_arguments_when_run_then_one_line_and_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:  # argparse's own errors exit; ours return the code
        raise SystemExit(main(["redrive-ses-events", *argv]))
    err = capsys.readouterr().err
    assert exited.value.code == EXIT_USAGE
    assert message in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
