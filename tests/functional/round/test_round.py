"""The canary round end to end on loopback: moto for AWS, the lab SMTP endpoint for the SMTP path."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from round_world import LAB_PASSWORD, lab_target

from mailcanary.config.events import RoundOverrides
from mailcanary.config.settings import RecipientsConfig, SmtpTargetConfig
from mailcanary.core.checks import Check
from mailcanary.core.errors import UsageError
from mailcanary.core.secret import Secret
from mailcanary.lab.faults import SmtpFault
from mailcanary.lab.smtp_endpoint import LabSmtpEndpoint
from mailcanary.services.rounds import canary_round
from tests.support.aws_world import CANARY_TABLE, SENDER, AwsWorld


def _verdicts(summary_path: dict[str, Any]) -> dict[str, bool]:
    return {verdict["check"]: verdict["passed"] for verdict in summary_path["verdicts"]}


def test_given_a_healthy_api_and_smtp_target_when_a_round_runs_then_every_check_passes_and_records_pend(
    aws: AwsWorld, lab_smtp: LabSmtpEndpoint
) -> None:
    # Given: the API path on moto and one SMTP target on the lab endpoint (STARTTLS + AUTH, lab CA trusted)
    runtime = aws.runtime(smtp_targets=[lab_target(lab_smtp)])
    # When
    result = canary_round(runtime, RoundOverrides(trigger="schedule"))
    # Then: both paths handed over with an SES message id, every send-time check passed
    summary = result.to_summary()
    assert result.passed, summary
    by_path = {path["path"]: path for path in summary["paths"]}
    assert set(by_path) == {"api", "smtp:lab"}
    assert _verdicts(by_path["api"]) == {"ses.api": True, "recipients.header_vs_envelope": True}
    assert _verdicts(by_path["smtp:lab"]) == {
        "smtp.transport": True,
        "smtp.sequence": True,
        "recipients.header_vs_envelope": True,
    }
    default = f"success+{result.canary_id}@simulator.amazonses.com"
    assert by_path["api"]["envelope"] == [default]
    assert by_path["smtp:lab"]["envelope"] == [default]
    assert lab_smtp.delivered[0].message_id == by_path["smtp:lab"]["ses_message_id"]
    # And: the canary and both paths are pending in the store, with the SES message ids recorded
    canary = aws.canary(result.canary_id)
    assert canary.state.value == "pending"
    assert {path.name: (path.state.value, path.ses_message_id) for path in canary.paths} == {
        "api": ("pending", by_path["api"]["ses_message_id"]),
        "smtp:lab": ("pending", by_path["smtp:lab"]["ses_message_id"]),
    }
    # And: nothing to alert
    assert aws.alerts() == []


def test_given_an_envelope_override_when_a_round_runs_then_only_header_vs_envelope_fails(aws: AwsWorld) -> None:
    # Given headers To a + Cc b, but the API Destinations name only a (swaks-style, on purpose)
    runtime = aws.runtime()
    overrides = RoundOverrides(
        trigger="console",
        paths=frozenset({"api"}),
        recipients=RecipientsConfig(to=("success+x@simulator.amazonses.com",), cc=("ooto+x@simulator.amazonses.com",)),
        envelope=("success+x@simulator.amazonses.com",),
    )
    # When the round runs
    result = canary_round(runtime, overrides)
    # Then exactly recipients.header_vs_envelope fails, naming the header-only recipient
    [api] = result.paths
    failed = [verdict for verdict in api.verdicts if not verdict.passed]
    assert [verdict.check for verdict in failed] == [Check.RECIPIENTS_HEADER_VS_ENVELOPE]
    assert "header_only ooto+x@simulator.amazonses.com" in failed[0].detail
    # And moto saw only the Destinations we passed as the envelope we record (moto's own list is not evidence)
    assert api.envelope == ("success+x@simulator.amazonses.com",)


def test_given_an_unverified_sender_when_a_round_runs_then_ses_api_fails_and_the_path_is_decided(
    aws: AwsWorld,
) -> None:
    # Given a sender SES (moto) has not verified
    runtime = aws.runtime(sender="stranger@example.org")
    # When the API-only round runs
    result = canary_round(runtime, RoundOverrides(trigger="console", paths=frozenset({"api"})))
    # Then ses.api fails with SES's classified reason, nothing else is judged, and the path is failed at once
    [api] = result.paths
    assert [(v.check, v.passed) for v in api.verdicts] == [(Check.SES_API, False)]
    assert "MessageRejected" in api.verdicts[0].detail
    assert api.ses_message_id is None
    assert aws.state(result.canary_id, "api") == "failed"
    assert aws.state(result.canary_id) == "failed"  # every path decided: the round settles the canary
    [alert] = aws.alerts()
    assert alert["body"]["check"] == "ses.api"


def test_given_the_api_path_outside_the_configuration_set_region_when_a_round_runs_then_decided_at_acceptance(
    aws: AwsWorld,
) -> None:
    # Given SES API sends in eu-west-1 while the configuration set (and its events) exists only in us-east-1
    aws.client("ses", "eu-west-1").verify_email_identity(EmailAddress=SENDER)
    sent: list[dict[str, Any]] = []
    aws.client("ses", "eu-west-1").meta.events.register(
        "provide-client-params.ses.SendRawEmail", lambda params, **_: sent.append(dict(params))
    )
    runtime = aws.runtime(ses_region="eu-west-1", configuration_set_region="us-east-1")
    # When the API-only round runs
    result = canary_round(runtime, RoundOverrides(trigger="console", paths=frozenset({"api"})))
    # Then the message went without the configuration set SES would refuse there, and the path was decided as
    # soon as SES accepted it: no event will ever come for it, so waiting would only end in a false `lost`
    [api] = result.paths
    assert api.passed
    assert api.awaits_ses_events is False
    assert result.to_summary()["paths"][0]["awaits_ses_events"] is False
    assert [call.get("ConfigurationSetName") for call in sent] == [None]
    canary = aws.canary(result.canary_id)
    assert [(path.state.value, path.ses_message_id) for path in canary.paths] == [("passed", api.ses_message_id)]
    assert canary.state.value == "passed"


def test_given_rounds_failing_then_passing_then_failing_when_run_then_alerts_once_per_failure_episode(
    aws: AwsWorld,
) -> None:
    # Given an API-only round whose sender SES (moto) has not verified
    runtime = aws.runtime(sender="stranger@example.org")
    api_only = RoundOverrides(trigger="console", paths=frozenset({"api"}))
    alert_key = {"pk": {"S": "alert#api#ses.api"}, "sk": {"S": "alert"}}
    # When it fails twice: one alert, the repeat suppressed
    canary_round(runtime, api_only)
    canary_round(runtime, api_only)
    assert [alert["body"]["check"] for alert in aws.alerts()] == ["ses.api"]
    # When the sender is verified and the round passes: the open failure is cleared (read once, then deleted)
    aws.client("ses").verify_email_identity(EmailAddress="stranger@example.org")
    assert canary_round(runtime, api_only).passed
    assert "Item" not in aws.client("dynamodb").get_item(TableName=CANARY_TABLE, Key=alert_key)
    assert aws.alerts() == []
    # When another round passes: nothing open, nothing written; then a new failure alerts again
    assert canary_round(runtime, api_only).passed
    aws.client("ses").delete_identity(Identity="stranger@example.org")
    canary_round(runtime, api_only)
    assert [alert["body"]["check"] for alert in aws.alerts()] == ["ses.api"]


def test_given_wrong_smtp_credentials_when_a_round_runs_then_smtp_transport_fails_and_no_secret_leaks(
    aws: AwsWorld, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given the lab endpoint expects another password than the one in the secret
    with LabSmtpEndpoint(password=Secret("a-different-password")) as lab:
        runtime = aws.runtime(smtp_targets=[lab_target(lab)])
        result = canary_round(runtime, RoundOverrides(trigger="console", paths=frozenset({"smtp"})))
    out = capsys.readouterr()
    [smtp] = result.paths
    failed = {v.check: v.detail for v in smtp.verdicts if not v.passed}
    assert set(failed) == {Check.SMTP_TRANSPORT}
    assert failed[Check.SMTP_TRANSPORT].startswith("auth:")
    # Then the password is nowhere: summary, logs, EMF, alert, DynamoDB, AUTH line in the evidence
    plain = base64.b64encode(f"\0mailcanary-lab\0{LAB_PASSWORD}".encode()).decode()
    alerts = json.dumps(aws.alerts())
    items = json.dumps(aws.items(result.canary_id), default=str)
    for text in (json.dumps(result.to_summary()), out.out, out.err, alerts, items):
        assert LAB_PASSWORD not in text
        assert plain not in text
    assert "smtp.transport" in alerts


def test_given_no_smtp_secret_when_a_target_needs_auth_then_its_path_fails_with_a_clear_reason(aws: AwsWorld) -> None:
    runtime = aws.runtime(smtp_secret_arn="", smtp_targets=[{"name": "relay", "host": "127.0.0.1", "port": 1}])
    result = canary_round(runtime, RoundOverrides(trigger="console", paths=frozenset({"smtp"})))
    [smtp] = result.paths
    assert [(v.check, v.passed) for v in smtp.verdicts] == [(Check.SMTP_TRANSPORT, False)]
    assert "MAILCANARY_SMTP_SECRET_ARN" in smtp.verdicts[0].detail


def test_given_an_unknown_target_name_when_a_round_is_planned_then_usage_error_and_nothing_is_written(
    aws: AwsWorld,
) -> None:
    runtime = aws.runtime()
    with pytest.raises(UsageError, match="no configured SMTP target named 'nope'"):
        canary_round(runtime, RoundOverrides(trigger="console", targets=("nope",)))
    assert aws.client("dynamodb").scan(TableName=CANARY_TABLE)["Count"] == 0


def test_given_an_ad_hoc_target_without_auth_and_an_mta_reply_when_a_round_runs_then_decided_at_once(
    aws: AwsWorld,
) -> None:
    # Given an ad-hoc target (no AUTH, STARTTLS with the lab CA) whose endpoint answers like SES
    with LabSmtpEndpoint(require_auth=False) as lab:
        target = SmtpTargetConfig(name="adhoc", host=lab.host, port=lab.port, auth=False, ca_file=lab.ca_file)
        result = canary_round(
            aws.runtime(), RoundOverrides(trigger="console", paths=frozenset({"smtp"}), targets=(target,))
        )
    [smtp] = result.paths
    assert smtp.passed
    assert smtp.name == "smtp:adhoc"
    assert aws.state(result.canary_id, "smtp:adhoc") == "pending"  # SES-like id: wait for events


def test_given_the_conformance_probe_when_a_healthy_round_runs_then_its_deliberate_disorder_is_not_a_sequence_fault(
    aws: AwsWorld, lab_smtp: LabSmtpEndpoint
) -> None:
    # Given the probe sends DATA before MAIL, RCPT before MAIL and DATA before RCPT on the canary's connection
    runtime = aws.runtime(smtp_targets=[lab_target(lab_smtp)])
    # When the round runs with the probe on
    result = canary_round(runtime, RoundOverrides(trigger="console", paths=frozenset({"smtp"}), conformance=True))
    # Then the server's refusals pass smtp.conformance, and smtp.sequence judges only the canary's own commands
    [smtp] = result.paths
    assert {v.check: v.passed for v in smtp.verdicts} == {
        Check.SMTP_TRANSPORT: True,
        Check.SMTP_SEQUENCE: True,
        Check.SMTP_CONFORMANCE: True,
        Check.RECIPIENTS_HEADER_VS_ENVELOPE: True,
    }


def test_given_a_server_that_accepts_data_without_rcpt_when_probed_then_smtp_conformance_fails_alone(
    aws: AwsWorld,
) -> None:
    with LabSmtpEndpoint(password=Secret(LAB_PASSWORD), faults={SmtpFault.ACCEPT_DATA_WITHOUT_RCPT}) as lab:
        runtime = aws.runtime(smtp_targets=[lab_target(lab)])
        result = canary_round(runtime, RoundOverrides(trigger="console", paths=frozenset({"smtp"}), conformance=True))
    [smtp] = result.paths
    assert [v.check for v in smtp.verdicts if not v.passed] == [Check.SMTP_CONFORMANCE]
