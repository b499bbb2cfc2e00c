"""SMTP targets whose credentials were never stored: not configured, rather than failed.

A new stack's SMTP secret holds a placeholder until `scripts/store-smtp-secret.sh` runs. Sending with it would
fail every round with 535 and page through the CanaryFailed alarm within minutes of the deploy. Instead the
round leaves those targets out: nothing is sent or recorded for them and no failure metric is emitted; each
one gets a `smtp.configured` verdict (in the round's summary, a warning log line every round, and one alert
per target until it is configured, cleared by the first round that finds credentials).
"""

from __future__ import annotations

import dataclasses

from mailcanary.core.checks import Check, Verdict
from mailcanary.core.errors import MailcanaryError
from mailcanary.round.plan import RoundPlan
from mailcanary.round.smtp_secret import SmtpSecretNotStoredError

__all__ = ["NOT_CONFIGURED_FIX", "configured_verdicts", "without_unconfigured"]

NOT_CONFIGURED_FIX = "SMTP credentials not stored yet: run scripts/store-smtp-secret.sh (README, SMTP credentials)"


def without_unconfigured(plan: RoundPlan, secret_error: MailcanaryError | None) -> tuple[RoundPlan, RoundPlan]:
    """The plan without the AUTH targets when the secret was never stored, and the plan as it was."""
    if not isinstance(secret_error, SmtpSecretNotStoredError):
        return plan, plan
    return dataclasses.replace(plan, targets=tuple(t for t in plan.targets if not t.auth)), plan


def configured_verdicts(planned: RoundPlan, sent: RoundPlan) -> tuple[Verdict, ...]:
    """One `smtp.configured` verdict per AUTH target planned: failed for those left out, passed for the rest
    (a passing verdict clears the alert of an earlier round)."""
    kept = {target.name for target in sent.targets}
    return tuple(
        Verdict(
            Check.SMTP_CONFIGURED,
            passed=target.name in kept,
            path=f"smtp:{target.name}",
            detail="" if target.name in kept else NOT_CONFIGURED_FIX,
        )
        for target in planned.targets
        if target.auth
    )
