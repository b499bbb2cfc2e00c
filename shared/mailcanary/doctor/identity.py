"""The sender's SES identity in the SES region: verified, its DKIM, its MAIL FROM domain (SES v1 read calls)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mailcanary.doctor.model import ClientFactory, Finding, Stack, Status

__all__ = ["ACTIONS", "GROUP", "check"]

GROUP = "ses.identity"
ACTIONS = (
    "ses:GetIdentityVerificationAttributes",
    "ses:GetIdentityDkimAttributes",
    "ses:GetIdentityMailFromDomainAttributes",
)


def check(stack: Stack, clients: ClientFactory, now: datetime) -> list[Finding]:
    """Verified (the identity, or the sender address's domain), then DKIM and MAIL FROM of the verified one."""
    ses = clients("ses", stack.ses_region)
    domain = stack.sender.rpartition("@")[2]
    candidates = list(dict.fromkeys(each for each in (stack.identity, stack.sender, domain) if each))
    attributes = ses.get_identity_verification_attributes(Identities=candidates)["VerificationAttributes"]
    verified = [each for each in candidates if attributes.get(each, {}).get("VerificationStatus") == "Success"]
    if not verified:
        seen = ", ".join(
            f"{each}: {attributes.get(each, {}).get('VerificationStatus', 'not an identity')}" for each in candidates
        )
        return [
            Finding(
                GROUP,
                Status.FAIL,
                f"{stack.sender} can not send from {stack.ses_region} ({seen})",
                f"verify {domain} (or the address) in the SES console of {stack.ses_region}: Configuration, Identities",
            )
        ]
    identity = verified[0]
    found = [Finding(GROUP, Status.PASS, f"{identity} is verified in {stack.ses_region}")]
    return [*found, _dkim(ses, identity), _mail_from(ses, identity)]


def _dkim(ses: Any, identity: str) -> Finding:
    dkim = ses.get_identity_dkim_attributes(Identities=[identity])["DkimAttributes"].get(identity, {})
    status = dkim.get("DkimVerificationStatus", "NotStarted")
    if dkim.get("DkimEnabled") and status == "Success":
        return Finding("ses.dkim", Status.PASS, f"DKIM signing on for {identity} (Success)")
    return Finding(
        "ses.dkim",
        Status.WARN,
        f"DKIM for {identity}: {'enabled' if dkim.get('DkimEnabled') else 'disabled'}, {status}",
        "publish the three Easy DKIM CNAME records SES shows for the domain; receivers may junk unsigned mail",
    )


def _mail_from(ses: Any, identity: str) -> Finding:
    attributes = ses.get_identity_mail_from_domain_attributes(Identities=[identity])
    mail_from = attributes["MailFromDomainAttributes"].get(identity, {})
    domain = mail_from.get("MailFromDomain")
    if not domain:
        return Finding("ses.mail_from", Status.PASS, "default MAIL FROM (amazonses.com): DMARC aligns through DKIM")
    status = mail_from.get("MailFromDomainStatus", "Pending")
    if status == "Success":
        return Finding("ses.mail_from", Status.PASS, f"MAIL FROM {domain} (Success)")
    fallback = mail_from.get("BehaviorOnMXFailure", "UseDefaultValue")
    return Finding(
        "ses.mail_from",
        Status.WARN,
        f"MAIL FROM {domain}: {status}; on MX failure SES will {fallback}",
        f"publish the MX and SPF (TXT) records of {domain} that SES shows for the identity",
    )
