"""The canary round end to end on loopback: moto for AWS, the lab SMTP endpoint for the SMTP path."""

from __future__ import annotations

from typing import Any

from conftest import AwsWorld, lab_target

from mailcanary.canary import run_round
from mailcanary.events_in import RoundOverrides
from mailcanary.lab.smtp_endpoint import LabSmtpEndpoint


def _verdicts(summary_path: dict[str, Any]) -> dict[str, bool]:
    return {verdict["check"]: verdict["passed"] for verdict in summary_path["verdicts"]}


def test_given_a_healthy_api_and_smtp_target_when_a_round_runs_then_every_check_passes_and_records_pend(
    aws: AwsWorld, lab_smtp: LabSmtpEndpoint
) -> None:
    # Given: the API path on moto and one SMTP target on the lab endpoint (STARTTLS + AUTH, lab CA trusted)
    runtime = aws.runtime(smtp_targets=[lab_target(lab_smtp)])
    # When
    result = run_round(runtime, RoundOverrides(trigger="schedule"))
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
    items = aws.items(result.canary_id)
    assert items["canary"]["state"]["S"] == "pending"
    assert items["path#api"]["ses_message_id"]["S"] == by_path["api"]["ses_message_id"]
    assert items["path#smtp:lab"]["ses_message_id"]["S"] == by_path["smtp:lab"]["ses_message_id"]
    # And: nothing to alert
    assert aws.alerts() == []
