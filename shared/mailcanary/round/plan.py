"""Plan one round from the settings and a console event's overrides: recipients, envelope, SMTP targets.

Bad overrides (an unknown target name, a duplicate, more than `MAX_SMTP_TARGETS` targets, an ad-hoc target
asking for AUTH, nothing left to send) raise `UsageError` before anything is written or sent, so the console
shows the mistake instead of a half-run round.
"""

from __future__ import annotations

from dataclasses import dataclass

from mailcanary.config.events import AD_HOC_AUTH_REFUSED, RoundOverrides
from mailcanary.config.settings import MAX_SMTP_TARGETS, RecipientsConfig, Settings, SmtpTargetConfig
from mailcanary.core.checks import PathKind
from mailcanary.core.errors import UsageError
from mailcanary.message.build import default_recipients
from mailcanary.recipients import RecipientPlan
from mailcanary.round.smtp_secret import ses_smtp_region

__all__ = ["RoundPlan", "awaits_ses_events", "plan_round"]


@dataclass(frozen=True, slots=True)
class RoundPlan:
    """Who the canary is for, which paths run, and the API path's Destinations."""

    canary_id: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    bcc: tuple[str, ...]
    api: bool
    targets: tuple[SmtpTargetConfig, ...]
    destinations: tuple[str, ...]  # the API envelope: To+Cc+Bcc, or the console's explicit `envelope`
    conformance: bool

    @property
    def intended(self) -> RecipientPlan:
        return RecipientPlan.of(self.to, self.cc, self.bcc)

    @property
    def smtp_envelope(self) -> tuple[str, ...]:
        return (*self.to, *self.cc, *self.bcc)


def awaits_ses_events(settings: Settings, smtp_host: str | None = None) -> bool:
    """Whether SES will publish events for a path: the API path (no `smtp_host`) or an SMTP target.

    Only sends through the configuration set publish events, and it exists in one region
    (`Settings.events_region`). The API path and SES SMTP endpoints of other regions send without it. Any
    other SMTP host is not SES itself; it may relay through SES, so its message keeps the configuration set
    header (whether it waits for events is decided by its reply: only SES answers with an SES message id).
    """
    if smtp_host is None:
        return settings.ses_region == settings.events_region
    region = ses_smtp_region(smtp_host)
    return region is None or region == settings.events_region


def plan_round(settings: Settings, overrides: RoundOverrides, canary_id: str) -> RoundPlan:
    """The round the settings describe, changed by the overrides."""
    kinds = overrides.paths if overrides.paths is not None else frozenset(kind.value for kind in PathKind)
    chosen = overrides.recipients or settings.recipients
    if not (chosen.to or chosen.cc or chosen.bcc):
        chosen = RecipientsConfig(to=_default_to(settings, canary_id))
    targets = _targets(settings, overrides) if PathKind.SMTP.value in kinds else ()
    api = PathKind.API.value in kinds
    if not api and not targets:
        raise UsageError("nothing to send: the smtp path was chosen but no SMTP target is configured or given")
    envelope = overrides.envelope if overrides.envelope is not None else (*chosen.to, *chosen.cc, *chosen.bcc)
    conformance = overrides.conformance if overrides.conformance is not None else settings.conformance
    return RoundPlan(canary_id, chosen.to, chosen.cc, chosen.bcc, api, targets, tuple(envelope), conformance)


def _default_to(settings: Settings, canary_id: str) -> tuple[str, ...]:
    """The simulator's success address; with a receiving domain, a mailbox on it, so every copy can be read where
    it lands (`canary+<canary id>@<receiving domain>`: SES delivers it, and SES inbound receives it)."""
    if settings.receiving_domain:
        return (f"canary+{canary_id}@{settings.receiving_domain}",)
    return default_recipients(canary_id)


def _targets(settings: Settings, overrides: RoundOverrides) -> tuple[SmtpTargetConfig, ...]:
    if overrides.targets is None:
        return settings.smtp_targets  # at most MAX_SMTP_TARGETS: Settings refuses more with a ConfigError
    if len(overrides.targets) > MAX_SMTP_TARGETS:
        raise UsageError(f"targets: at most {MAX_SMTP_TARGETS} SMTP targets per round, got {len(overrides.targets)}")
    configured = {target.name: target for target in settings.smtp_targets}
    chosen: list[SmtpTargetConfig] = []
    for index, each in enumerate(overrides.targets):
        if isinstance(each, SmtpTargetConfig):
            if each.auth:  # the event model already refuses this; a round built in code must not either
                raise UsageError(AD_HOC_AUTH_REFUSED.format(index=index))
            chosen.append(each)
        elif each in configured:
            chosen.append(configured[each])
        else:
            known = ", ".join(sorted(configured)) or "none"
            raise UsageError(f"targets: no configured SMTP target named {each!r} (configured: {known})")
    names = [target.name for target in chosen]
    if len(set(names)) != len(names):
        raise UsageError(f"targets: each SMTP target name may appear once, got {names}")
    return tuple(chosen)
