"""The SES account in the SES region: sandbox or production, sending enabled, enforcement, quota headroom (SESv2
GetAccount)."""

from __future__ import annotations

import json
from datetime import datetime

from mailcanary.doctor.model import ClientFactory, Finding, Stack, Status, schedule_seconds

__all__ = ["ACTIONS", "GROUP", "canary_recipients_per_day", "check"]

GROUP = "ses.account"
ACTIONS = ("ses:GetAccount",)
_SIMULATOR_RECIPIENTS = 3  # success, bounce and complaint addresses of the mailbox simulator
_LOW_HEADROOM = 0.2


def check(stack: Stack, clients: ClientFactory, now: datetime) -> list[Finding]:
    account = clients("sesv2", stack.ses_region).get_account()
    return [_sending(account), _enforcement(account), _production(stack, account), _quota(stack, account)]


def _sending(account: dict[str, object]) -> Finding:
    if account.get("SendingEnabled", True):
        return Finding("ses.sending", Status.PASS, "sending is enabled for the account")
    return Finding(
        "ses.sending",
        Status.FAIL,
        "sending is paused for the whole account: every canary is refused",
        "see the SES console's Account dashboard (a review or a manual pause); resume with PutAccountSendingAttributes",
    )


def _enforcement(account: dict[str, object]) -> Finding:
    status = str(account.get("EnforcementStatus", "HEALTHY"))
    if status == "HEALTHY":
        return Finding("ses.enforcement", Status.PASS, "enforcement status HEALTHY")
    return Finding(
        "ses.enforcement",
        Status.FAIL if status == "SHUTDOWN" else Status.WARN,
        f"enforcement status {status}",
        "read the case in the SES console's Account dashboard (reputation: bounce and complaint rates)",
    )


def _production(stack: Stack, account: dict[str, object]) -> Finding:
    if account.get("ProductionAccessEnabled"):
        return Finding("ses.production", Status.PASS, "production access: SES sends to any recipient")
    if not stack.parameters.get("Recipients"):
        return Finding(
            "ses.production", Status.PASS, "sandbox; the canary sends to the mailbox simulator, which works there"
        )
    return Finding(
        "ses.production",
        Status.WARN,
        "sandbox: SES sends only to verified identities, and the stack has its own Recipients",
        "verify each recipient in SES, or request production access (SES console, Account dashboard)",
    )


def canary_recipients_per_day(stack: Stack) -> int | None:
    """Recipients the canary's sends count against the 24-hour quota; None for a schedule that is not a rate."""
    seconds = schedule_seconds(stack.parameters.get("Schedule", "rate(5 minutes)"))
    if seconds is None:
        return None
    targets = stack.parameters.get("SmtpTargets")
    paths = 1 + (len(json.loads(targets)) if targets else 1)
    recipients = stack.parameters.get("Recipients")
    per_message = _SIMULATOR_RECIPIENTS
    if recipients:
        document = json.loads(recipients)
        per_message = sum(len(document.get(kind, [])) for kind in ("to", "cc", "bcc")) or _SIMULATOR_RECIPIENTS
    return (86_400 // seconds) * paths * per_message


def _quota(stack: Stack, account: dict[str, object]) -> Finding:
    quota = account.get("SendQuota") or {}
    assert isinstance(quota, dict)
    limit, sent, rate = (float(quota.get(k, 0)) for k in ("Max24HourSend", "SentLast24Hours", "MaxSendRate"))
    try:
        needed = canary_recipients_per_day(stack)
    except (ValueError, AttributeError, TypeError):
        needed = None
    evidence = f"sent {sent:.0f} of {limit:.0f} in the last 24 h, at most {rate:g}/s"
    if needed is not None:
        evidence += f"; the canary alone sends about {needed} a day"
    if limit > 0 and needed is not None and needed > limit:
        return Finding("ses.quota", Status.FAIL, evidence, "request a higher sending quota, or a slower Schedule")
    if limit > 0 and (limit - sent) / limit < _LOW_HEADROOM:
        return Finding("ses.quota", Status.WARN, evidence, "less than 20% of the daily quota left: request more")
    return Finding("ses.quota", Status.PASS, evidence)
