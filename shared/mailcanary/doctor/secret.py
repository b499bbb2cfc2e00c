"""The SMTP secret: stored (not the stack's placeholder), well formed, with a password for every SES SMTP region
the targets use. Nothing of it is printed but the access key id."""

from __future__ import annotations

import json
from datetime import datetime

from mailcanary.doctor.model import ClientFactory, Finding, Stack, Status
from mailcanary.round.smtp_secret import (
    SmtpSecretError,
    SmtpSecretNotStoredError,
    load_smtp_credentials,
    ses_smtp_region,
)

__all__ = ["ACTIONS", "GROUP", "check", "smtp_regions"]

GROUP = "smtp.secret"
ACTIONS = ("secretsmanager:GetSecretValue",)
_STORE = "run scripts/store-smtp-secret.sh (README, SMTP credentials)"


def smtp_regions(stack: Stack) -> set[str]:
    """The SES regions of the stack's SMTP targets (the default target is the SES region's endpoint)."""
    targets = stack.parameters.get("SmtpTargets")
    if not targets:
        return {stack.ses_region}
    hosts = [str(target.get("host", "")) for target in json.loads(targets) if target.get("auth", True)]
    return {region for region in map(ses_smtp_region, hosts) if region}


def check(stack: Stack, clients: ClientFactory, now: datetime) -> list[Finding]:
    arn = stack.outputs.get("SmtpSecretArn", "")
    try:
        credentials = load_smtp_credentials(clients("secretsmanager", stack.region), arn, fresh=True)
    except SmtpSecretNotStoredError:
        evidence = "the secret still holds the stack's placeholder: SMTP targets are reported as not configured"
        return [Finding(GROUP, Status.FAIL, evidence, _STORE)]
    except SmtpSecretError as exc:
        return [Finding(GROUP, Status.FAIL, str(exc), _STORE)]
    found = [Finding(GROUP, Status.PASS, f"SMTP credentials stored for access key {credentials.username}")]
    try:
        wanted = smtp_regions(stack)
    except (ValueError, AttributeError, TypeError):
        return found
    missing = sorted(wanted - set(credentials.passwords_by_region))
    if missing and credentials.passwords_by_region:
        found.append(
            Finding(
                "smtp.regions",
                Status.WARN,
                f"no password derived for {', '.join(missing)}: those targets use the default password",
                f'SMTP_REGIONS="{" ".join(sorted(wanted))}" scripts/store-smtp-secret.sh',
            )
        )
    return found
