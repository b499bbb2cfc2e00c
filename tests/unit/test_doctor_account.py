"""The doctor's account checks on GetAccount documents: sandbox with and without own recipients, the quota
against what the canary itself sends a day."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from mailcanary.doctor import Stack, Status
from mailcanary.doctor.account import canary_recipients_per_day, check

pytestmark = pytest.mark.unit
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _stack(**parameters: str) -> Stack:
    return Stack("mailcanary", "us-east-1", NOW, {}, {"SenderAddress": "canary@example.com", **parameters})


def _account(**values: Any) -> dict[str, Any]:
    quota = {"Max24HourSend": 200.0, "MaxSendRate": 1.0, "SentLast24Hours": 0.0}
    return {
        "SendingEnabled": True,
        "EnforcementStatus": "HEALTHY",
        "ProductionAccessEnabled": False,
        "SendQuota": quota,
    } | values


def _findings(stack: Stack, account: dict[str, Any]) -> dict[str, tuple[Status, str]]:
    class Sesv2:
        def get_account(self) -> dict[str, Any]:
            return account

    return {f.check: (f.status, f.evidence) for f in check(stack, lambda service, region: Sesv2(), NOW)}


@pytest.mark.parametrize(
    ("parameters", "expected"),
    [
        ({}, 288 * 2 * 3),  # rate(5 minutes), API + the default SMTP target, three simulator recipients
        ({"Schedule": "rate(1 minute)"}, 1440 * 2 * 3),
        ({"SmtpTargets": '[{"name": "a", "host": "h"}, {"name": "b", "host": "i"}]'}, 288 * 3 * 3),
        ({"Recipients": '{"to": ["a@example.com"], "cc": ["b@example.com"]}'}, 288 * 2 * 2),
        ({"Schedule": "cron(0 * * * ? *)"}, None),
    ],
)
def test_given_a_stack_when_its_daily_recipients_are_counted_then_paths_times_recipients_times_rounds(
    parameters: dict[str, str], expected: int | None
) -> None:
    assert canary_recipients_per_day(_stack(**parameters)) == expected


def test_given_a_sandbox_quota_smaller_than_the_canary_when_checked_then_the_quota_fails() -> None:
    # Given the sandbox's 200 a day, and a canary that sends 1728 a day at rate(5 minutes)
    findings = _findings(_stack(), _account())
    assert findings["ses.quota"][0] is Status.FAIL
    assert "the canary alone sends about 1728 a day" in findings["ses.quota"][1]
    # And the sandbox itself is fine with the simulator recipients
    assert findings["ses.production"][0] is Status.PASS


def test_given_own_recipients_in_the_sandbox_when_checked_then_a_warning() -> None:
    findings = _findings(_stack(Recipients='{"to": ["ops@example.com"]}'), _account())
    assert findings["ses.production"][0] is Status.WARN


def test_given_a_quota_almost_used_when_checked_then_a_warning() -> None:
    account = _account(SendQuota={"Max24HourSend": 100000.0, "MaxSendRate": 14.0, "SentLast24Hours": 95000.0})
    assert _findings(_stack(), account)["ses.quota"][0] is Status.WARN


def test_given_a_shut_down_account_when_checked_then_enforcement_fails() -> None:
    assert _findings(_stack(), _account(EnforcementStatus="SHUTDOWN"))["ses.enforcement"][0] is Status.FAIL
