"""`mailcanary parse-bounce`: messages and SES JSON in, one line (or JSON object) per file out."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mailcanary.cli import main

DATA = Path(__file__).resolve().parents[1] / "data"
GENUINE = DATA / "bounces" / "postfix-genuine-user-unknown.eml"
SES_BOUNCE = DATA / "ses-docs" / "evpub-sns-bounce.json"


def _json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


def test_given_dsn_and_ses_json_when_parsed_with_json_then_one_object_each_and_exit_0(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a genuine Postfix DSN and an SES bounce record
    # When both are parsed with --json
    code = main(["parse-bounce", "--json", str(GENUINE), str(SES_BOUNCE)])
    # Then there is one object per file, with the specified fields, and exit 0
    dsn, ses = _json_lines(capsys.readouterr().out)
    assert code == 0
    assert dsn["file"] == str(GENUINE)
    assert dsn["kind"] == "bounce"
    assert "event_type" not in dsn
    assert dsn["recipients"] == [
        {
            "address": "nosuchuser-8403b8607600@localhost",
            "action": "failed",
            "status": "5.1.1",
            "diagnostic_code": 'X-Postfix; unknown user: "nosuchuser-8403b8607600"',
            "reason": "user_unknown",
            "hard": True,
            "original_recipient": "nosuchuser-8403b8607600@localhost",
        }
    ]
    assert (ses["kind"], ses["event_type"]) == ("ses_event", "Bounce")
    assert ses["recipients"][0]["address"] == "recipient@example.com"
    assert (ses["recipients"][0]["reason"], ses["recipients"][0]["hard"]) == ("user_unknown", True)


def test_given_sns_wrapped_and_lambda_event_files_when_parsed_then_ses_events(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given an SES record inside an SNS notification (moto style, Message as an object) and a Lambda event
    record = json.loads(SES_BOUNCE.read_text())
    sns = {
        "Type": "Notification",
        "MessageId": "m-1",
        "TopicArn": "arn:aws:sns:us-east-1:123456789012:t",
        "Message": record,
        "Timestamp": "2017-08-05T00:41:03.000Z",
        "UnsubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe",
    }
    wrapped = tmp_path / "wrapped.json"
    wrapped.write_text(json.dumps(sns))
    lambda_sns = dict(sns, Message=json.dumps(record), UnsubscribeUrl=sns["UnsubscribeURL"])
    del lambda_sns["UnsubscribeURL"]
    lambda_record = {
        "EventSource": "aws:sns",
        "EventVersion": "1.0",
        "EventSubscriptionArn": "arn:x",
        "Sns": lambda_sns,
    }
    event = tmp_path / "lambda-event.json"
    event.write_text(json.dumps({"Records": [lambda_record, lambda_record]}))
    # When parsed
    code = main(["parse-bounce", "--json", str(wrapped), str(event)])
    # Then each gives SES bounce events (the Lambda event one per record)
    results = _json_lines(capsys.readouterr().out)
    assert code == 0
    assert [(r["file"], r["kind"], r["event_type"]) for r in results] == [
        (str(wrapped), "ses_event", "Bounce"),
        (str(event), "ses_event", "Bounce"),
        (str(event), "ses_event", "Bounce"),
    ]


def test_given_unreadable_and_broken_files_when_parsed_then_unparseable_others_processed_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a missing file, a directory, broken JSON, an empty file and a good DSN
    broken = tmp_path / "broken.json"
    broken.write_text('{"eventType": ')
    empty = tmp_path / "empty.eml"
    empty.write_bytes(b"")
    missing = tmp_path / "missing.eml"
    # When all are parsed
    code = main(["parse-bounce", "--json", str(missing), str(tmp_path), str(broken), str(empty), str(GENUINE)])
    # Then the bad ones are unparseable with a reason, the good one still parses, and the exit code is 1
    results = _json_lines(capsys.readouterr().out)
    assert code == 1
    assert [r["kind"] for r in results] == ["unparseable"] * 4 + ["bounce"]
    assert "No such file" in results[0]["reason"]
    assert "not JSON" in results[2]["reason"]
    assert "empty" in results[3]["reason"]


def test_given_human_output_when_parsed_then_one_summary_line_per_file(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["parse-bounce", str(GENUINE), str(DATA / "bounces" / "autoreply-vacation.eml")])
    out = capsys.readouterr().out
    assert code == 0
    assert f"{GENUINE}: bounce (rfc3464), 1 recipient(s)" in out
    assert "nosuchuser-8403b8607600@localhost  failed  5.1.1  user_unknown  hard" in out
    assert "auto_reply (rfc3834)" in out


def test_given_no_files_when_run_then_usage_error_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["parse-bounce"])
    assert exc.value.code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


@pytest.mark.process
def test_given_module_entry_point_when_parse_bounce_then_json_lines_and_exit_code() -> None:
    # Given the installed entry point, run as a separate process
    result = subprocess.run(
        [sys.executable, "-m", "mailcanary", "parse-bounce", "--json", str(GENUINE), str(SES_BOUNCE)],
        capture_output=True,
        text=True,
        check=False,
    )
    # Then it exits 0 and prints one JSON object per file, no traceback
    assert result.returncode == 0, result.stderr
    assert [r["kind"] for r in _json_lines(result.stdout)] == ["bounce", "ses_event"]
    assert "Traceback" not in result.stderr
