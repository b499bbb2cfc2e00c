"""Round artifacts in S3 through the real handlers on moto: what a round writes (its summary, each path's MIME and
SMTP transcript), the SES events a round receives, the alert's link to them, and that S3 failing never fails
a round, only logs and counts it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from typing import Any

import pytest
from handlers import count, emf, event, invoke, load_handler
from round_world import LAB_PASSWORD, lab_target

from mailcanary.artifacts.keys import artifact_prefix
from mailcanary.core.secret import Secret
from mailcanary.lab.faults import SmtpFault
from mailcanary.lab.smtp_endpoint import LabSmtpEndpoint
from mailcanary.store import CanaryStore, PathKind, new_canary, new_path
from tests.support.aws_world import CANARY_TABLE, AwsWorld

BUCKET = "mailcanary-artifacts-test"
EXAMPLE_MESSAGE_ID = "EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000"  # in every events/ses_events file


def objects(aws: AwsWorld, prefix: str = "") -> dict[str, bytes]:
    """Every object in the artifact bucket under `prefix`, by key."""
    s3 = aws.client("s3")
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])
    return {each["Key"]: s3.get_object(Bucket=BUCKET, Key=each["Key"])["Body"].read() for each in listed}


@pytest.fixture
def bucket(aws: AwsWorld, env: pytest.MonkeyPatch) -> str:
    aws.client("s3").create_bucket(Bucket=BUCKET)
    env.setenv("MAILCANARY_ARTIFACT_BUCKET", BUCKET)
    return BUCKET


def test_given_a_bucket_when_a_round_runs_then_its_summary_mime_and_transcript_are_kept_under_the_day_and_id(
    aws: AwsWorld, env: pytest.MonkeyPatch, bucket: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with LabSmtpEndpoint(password=Secret(LAB_PASSWORD)) as lab:
        # Given a configured SMTP target and the API path, and a stack that keeps artifacts
        env.setenv("MAILCANARY_SMTP_TARGETS", json.dumps([lab_target(lab, "lab")]))
        # When a scheduled round runs through the real handler
        summary = invoke(load_handler("canary"), event("canary/scheduled.json"))
    capsys.readouterr()
    canary_id = summary["canary_id"]
    prefix = artifact_prefix(canary_id)
    assert prefix is not None
    assert prefix.startswith(datetime.now(UTC).strftime("%Y/%m/%d/"))  # dated by the id, i.e. the round's start
    # Then its artifacts are under YYYY/MM/DD/<canary id>/
    kept = objects(aws)
    assert sorted(kept) == sorted(
        prefix + name
        for name in (
            "round.json",
            "paths/api/message.eml",
            "paths/smtp_lab/message.eml",
            "paths/smtp_lab/transcript.txt",
        )
    )
    # And the summary is the round's, each message the MIME its path sent, the transcript the SMTP session
    assert json.loads(kept[prefix + "round.json"])["canary_id"] == canary_id
    for path in ("api", "smtp_lab"):
        sent = message_from_bytes(kept[f"{prefix}paths/{path}/message.eml"], policy=policy.SMTP)
        assert sent["X-Mailcanary-Id"] == canary_id
    sent_ids = {
        message["Message-ID"] for message in (message_from_bytes(raw.raw_data.encode()) for raw in aws.sent_raw())
    }
    assert message_from_bytes(kept[prefix + "paths/api/message.eml"])["Message-ID"] in sent_ids
    transcript = kept[prefix + "paths/smtp_lab/transcript.txt"].decode()
    assert "MAIL FROM:" in transcript
    assert "AUTH PLAIN" in transcript or "AUTH LOGIN" in transcript
    # And no form of the SMTP password is in any of them
    assert not [key for key, body in kept.items() if LAB_PASSWORD.encode() in body]


def test_given_no_bucket_configured_when_a_round_runs_then_no_s3_call_at_all(
    aws: AwsWorld, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    aws.client("s3").create_bucket(Bucket=BUCKET)
    summary = invoke(load_handler("canary"), {"paths": ["api"]})
    assert summary["passed"] is True
    assert objects(aws) == {}
    assert count(emf(capsys.readouterr().out), "ArtifactWriteFailed") == 0


def test_given_the_bucket_is_gone_when_a_round_runs_then_the_round_passes_and_the_failure_is_logged_and_counted(
    aws: AwsWorld, env: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a stack whose artifact bucket does not exist (deleted by hand, or a wrong name)
    env.setenv("MAILCANARY_ARTIFACT_BUCKET", "no-such-artifact-bucket")
    # When the API path's round runs
    summary = invoke(load_handler("canary"), {"paths": ["api"]})
    out = capsys.readouterr().out
    # Then the round itself passed and recorded as ever
    assert summary["passed"] is True
    assert aws.state(summary["canary_id"]) == "pending"
    # And both of its artifacts (summary, message) were counted as not written, with a log line naming the error
    assert [value for name, _, value in emf(out) if name == "ArtifactWriteFailed"] == [[2.0]]
    assert "artifact not written" in out
    assert "NoSuchBucket" in out


def test_given_a_failing_target_when_its_alert_goes_out_then_it_links_the_rounds_artifacts(
    aws: AwsWorld, env: pytest.MonkeyPatch, bucket: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with LabSmtpEndpoint(password=Secret(LAB_PASSWORD), faults={SmtpFault.DATA_BEFORE_RCPT}) as lab:
        env.setenv("MAILCANARY_SMTP_TARGETS", json.dumps([lab_target(lab, "lab")]))
        summary = invoke(load_handler("canary"), {"paths": ["smtp"]})
    capsys.readouterr()
    (alert,) = aws.alerts()
    prefix = artifact_prefix(summary["canary_id"])
    # Then the alert names the prefix, and the transcript it points at is there
    assert alert["body"]["artifacts"] == f"s3://{BUCKET}/{prefix}"
    assert f"{prefix}paths/smtp_lab/transcript.txt" in objects(aws, prefix)


def _pending_canary(aws: AwsWorld, canary_id: str, created_at: datetime) -> None:
    path = new_path(
        canary_id,
        "api",
        PathKind.API,
        "ses-api:us-east-1",
        deadline=created_at + timedelta(minutes=15),
        envelope=["recipient@example.com"],
        ses_message_id=EXAMPLE_MESSAGE_ID,
        sent_at=created_at,
    )
    CanaryStore(aws.client("dynamodb"), CANARY_TABLE).create(new_canary(canary_id, [path], created_at=created_at))


def test_given_an_ses_event_of_a_canary_when_delivered_twice_then_one_artifact_under_the_canarys_day(
    aws: AwsWorld, env: pytest.MonkeyPatch, bucket: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a pending canary (a hand-made id: dated by its send) whose API path SES gave the example's message id
    _pending_canary(aws, "c-example", datetime(2015, 1, 1, tzinfo=UTC))
    handler = load_handler("ses_events")
    # When SNS delivers its Delivery event, and then delivers it again
    first = invoke(handler, event("ses_events/sns-delivery.json"))
    invoke(handler, event("ses_events/sns-delivery.json"))
    capsys.readouterr()
    # Then the event is reconciled as ever, and kept once, as SES published it, under the canary's prefix
    assert first["events"] == {"applied": 1}
    kept = objects(aws)
    (key,) = kept
    assert key.startswith("2015/01/01/c-example/ses-events/api/")
    assert key.endswith(".json")
    document: dict[str, Any] = json.loads(kept[key])
    assert document["eventType"] == "Delivery"
    assert document["mail"]["messageId"] == EXAMPLE_MESSAGE_ID


def test_given_an_ses_event_of_no_canary_of_ours_when_delivered_then_nothing_is_kept(
    aws: AwsWorld, env: pytest.MonkeyPatch, bucket: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given no canary with the example's message id (another sender shares the configuration set)
    summary = invoke(load_handler("ses_events"), event("ses_events/sns-delivery.json"))
    capsys.readouterr()
    # Then the event is counted unmatched, and none of that sender's mail is copied into the bucket
    assert summary["events"] == {"unmatched": 1}
    assert objects(aws) == {}
