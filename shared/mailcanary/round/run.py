"""One canary round: plan → pending record → every path concurrently → record → metrics → alerts.

The pending canary (one path item per path) is written BEFORE anything is sent, so an SES event can never
arrive for a canary the store does not know. Then the SES API path and one SMTP path per target run in a
bounded thread pool (a round with 50 targets runs them in one wave, not 50 sessions in a row); inside one
SMTP session the commands stay strictly in order. Each path then records what it really sent (SES message
id, envelope) and, when a send-time check failed (or the target is an MTA that gives no SES message id to
wait for), is decided at once. Metrics follow `mailcanary.report.observability`'s one contract;
alerts go out once per failed (path, check) and clear when it passes again.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import replace
from datetime import datetime, timedelta

from mailcanary.artifacts.writer import DEFAULT_SECONDS as ARTIFACT_SECONDS
from mailcanary.artifacts.writer import ArtifactWriter
from mailcanary.config.events import RoundOverrides
from mailcanary.config.runtime import Runtime
from mailcanary.config.settings import SmtpTargetConfig
from mailcanary.core.checks import CanaryState, Check, PathKind
from mailcanary.core.errors import MailcanaryError
from mailcanary.core.redaction import NO_SECRETS
from mailcanary.message import CanaryMessage, build_canary, new_canary_id, restamp
from mailcanary.report import observability as obs
from mailcanary.report.alerts import AlertPublisher
from mailcanary.round.alerts import publish_verdicts
from mailcanary.round.artifacts import write_round_artifacts
from mailcanary.round.budget import OVERRUN_GRACE_SECONDS, PathClaims, RoundBudget, round_budget
from mailcanary.round.paths import ApiPath, SmtpPath, overran, run_api_path, run_smtp_path
from mailcanary.round.plan import RoundPlan, awaits_ses_events, plan_round
from mailcanary.round.recorder import SendRecorder
from mailcanary.round.result import PathSendResult, RoundResult
from mailcanary.round.setup import configured_verdicts, without_unconfigured
from mailcanary.round.smtp_secret import SmtpCredentials, load_smtp_credentials
from mailcanary.ses.api import SesApiSender
from mailcanary.smtp import SmtpTarget, Timeouts, TlsMode
from mailcanary.smtp.certificate import days_left
from mailcanary.store import CanaryRecord, CanaryStore, OpenAlerts, new_canary, new_path

__all__ = ["MAX_WORKERS", "SMTP_TIMEOUTS", "round_paths", "run_round"]

# Threads per round: bounded, so 500 targets cannot exhaust a 128 MB function; 64 keeps 50 targets in one wave
# (the sessions wait on the network, so threads cost little CPU and only their touched stack pages of memory).
MAX_WORKERS = 64
# Per stage, so one slow server cannot hold a session much past the sum (connect + banner + ~8 commands + dot).
SMTP_TIMEOUTS = Timeouts(connect=5.0, banner=10.0, command=10.0, data_end=30.0)
# Of the time reserved after the sends (`AFTER_SENDS_RESERVE_SECONDS`), what the artifacts may use at least.
ARTIFACT_RESERVE_SECONDS = 5.0
_TLS = {"starttls": TlsMode.REQUIRED, "implicit": TlsMode.WRAPPER, "none": TlsMode.NONE}
# The checks a path can verdict at send time (`mailcanary.round.paths`): their open alerts are read once per round, so
# a passing check costs no write. A check missing here is still cleared, by a delete of its own.
_SEND_TIME_CHECKS = {
    PathKind.API: (Check.SES_API, Check.RECIPIENTS_HEADER_VS_ENVELOPE),
    PathKind.SMTP: (
        Check.SMTP_SEQUENCE,
        Check.SMTP_TRANSPORT,
        Check.SMTP_CONFORMANCE,
        Check.RECIPIENTS_HEADER_VS_ENVELOPE,
    ),
}

Path = ApiPath | SmtpPath
_Result = tuple[PathSendResult, CanaryState | None, int]  # a path's outcome, its send-time decision, alerts sent


# Decides a pending canary whose paths are all decided (`mailcanary.decide.transitions.settle`, passed in by the
# service).
Settle = Callable[[CanaryStore, CanaryRecord, datetime], object]


def run_round(
    runtime: Runtime,
    overrides: RoundOverrides,
    *,
    store: CanaryStore,
    publisher: AlertPublisher | None,
    settle: Settle,
    remaining_seconds: float | None = None,
    artifacts: ArtifactWriter | None = None,
) -> RoundResult:
    """Send one canary on every planned path and return what happened (see the module docstring).

    The service (`mailcanary.services.rounds`) passes in the store, the alert publisher (None: no alert topic)
    and how a canary whose paths are all decided is settled; `artifacts` (None: the stack keeps none) receives
    the round's summary, each path's MIME and SMTP transcript last, after metrics and alerts, best effort.

    `remaining_seconds` is the time the invocation has left (the Lambda context's); the sends get a budget
    below it (`mailcanary.round.budget`), so the round always records, emits metrics and alerts, and returns.
    """
    budget = round_budget(remaining_seconds)
    settings, now = runtime.settings, runtime.now()
    planned = plan_round(settings, overrides, new_canary_id())
    log = obs.get_logger()
    credentials, secret_error = _credentials(runtime, planned.targets)
    plan, _ = without_unconfigured(planned, secret_error)  # targets whose secret was never stored are left out
    setup = configured_verdicts(planned, plan)
    for verdict in setup:
        if not verdict.passed:
            log.warning("SMTP target not configured", extra={"path": verdict.path, "detail": verdict.detail})
    paths = round_paths(runtime, plan, credentials, str(secret_error) if secret_error else None)
    if not paths:  # every chosen path is an SMTP target without stored credentials
        sent = sum(publish_verdicts(publisher, (v,), v.path, plan.canary_id, NO_SECRETS, None) for v in setup)
        return RoundResult(plan.canary_id, overrides.trigger, (), sent, setup)
    deadline = now + timedelta(seconds=settings.lost_after_seconds)
    store.create(
        new_canary(
            plan.canary_id,
            [
                new_path(
                    plan.canary_id,
                    p.name,
                    _kind(p),
                    p.target,
                    deadline=deadline,
                    envelope=_planned(p, plan),
                    header_recipients=(*plan.to, *plan.cc),  # compared with the To/Cc SES reports receiving
                )
                for p in paths
            ],
            created_at=now,
            lost_after=timedelta(seconds=settings.lost_after_seconds),
        )
    )
    forms = credentials.forms() if credentials else NO_SECRETS

    awaits_arrival = settings.receiver_configured

    def finish(outcome: PathSendResult) -> _Result:
        decided = _record(recorder, plan.canary_id, outcome, deadline, awaits_arrival=awaits_arrival)
        log.info(
            "path sent" if outcome.handed_over else "path not sent",
            extra={
                "canary_id": plan.canary_id,
                "path": outcome.name,
                "ses_message_id": outcome.ses_message_id,
                "passed": outcome.passed,
                "failed_checks": [f.check.value for f in outcome.failed_checks],
            },
        )
        alerts = publish_verdicts(publisher, outcome.verdicts, outcome.name, plan.canary_id, forms, known)
        return outcome, decided, alerts

    overrun = PathClaims()

    def one(path: Path) -> _Result | None:
        sent = run_api_path(path) if isinstance(path, ApiPath) else run_smtp_path(path, not_after=budget.not_after)
        sent = replace(sent, raw_message=path.message.raw)  # kept for the artifacts, not the summary
        return finish(sent) if overrun.claim(path.name) else None

    known: Future[OpenAlerts] | None = None
    pool = ThreadPoolExecutor(max_workers=min(MAX_WORKERS, len(paths) + 1), thread_name_prefix="canary-path")
    with SendRecorder(store, plan.canary_id, runtime.now) as recorder:
        if publisher is not None:  # read while the paths send; each path's alerts wait for it
            keys = [(p.name, check.value) for p in paths for check in _SEND_TIME_CHECKS[_kind(p)]]
            keys += [(verdict.path, verdict.check.value) for verdict in setup]
            known = pool.submit(publisher.dedup_store.open_among, keys)
        futures = [pool.submit(one, path) for path in paths]
        wait(futures, timeout=budget.left() + OVERRUN_GRACE_SECONDS)
        late = overrun.close([path.name for path in paths])  # still running: decided here, without them
        results = [
            finish(_overran(path, budget)) if path.name in late else _claimed(future)
            for path, future in zip(paths, futures, strict=True)
        ]
        setup_alerts = publish_verdicts(publisher, setup, "smtp", plan.canary_id, NO_SECRETS, known) if setup else 0
    pool.shutdown(wait=not late, cancel_futures=True)  # never wait for a path past the budget
    if any(decided is not None for _, decided, _ in results):
        canary = store.get(plan.canary_id)
        if canary is not None:
            settle(store, canary, runtime.now())
    sent_at = runtime.now()
    obs.emit(metric for outcome, decided, _ in results for metric in _metrics(outcome, decided, sent_at))
    outcomes = tuple(outcome for outcome, _, _ in results)
    alerts = setup_alerts + sum(sent for _, _, sent in results)
    result = RoundResult(plan.canary_id, overrides.trigger, outcomes, alerts, tuple(v for v in setup if not v.passed))
    if artifacts is not None:  # last: nothing about the round waits for S3, and a failure only logs and counts
        seconds = min(ARTIFACT_SECONDS, budget.left() + ARTIFACT_RESERVE_SECONDS)
        write_round_artifacts(artifacts, result, now, forms, seconds=seconds)
    return result


def _claimed(
    future: Future[tuple[PathSendResult, CanaryState | None, int] | None],
) -> tuple[PathSendResult, CanaryState | None, int]:
    result = future.result()  # the thread claimed its path, so it finishes it (records and alerts: bounded AWS calls)
    assert result is not None
    return result


def _overran(path: Path, budget: RoundBudget) -> PathSendResult:
    kind = PathKind.API if isinstance(path, ApiPath) else PathKind.SMTP
    return overran(path.name, kind, path.target, budget.seconds)


def _kind(path: Path) -> PathKind:
    return PathKind.API if isinstance(path, ApiPath) else PathKind.SMTP


def _planned(path: Path, plan: RoundPlan) -> tuple[str, ...]:
    return path.destinations if isinstance(path, ApiPath) else plan.smtp_envelope


def _credentials(
    runtime: Runtime, targets: tuple[SmtpTargetConfig, ...]
) -> tuple[SmtpCredentials | None, MailcanaryError | None]:
    """The SMTP secret, read once per round and only when some target authenticates."""
    if not any(target.auth for target in targets):
        return None, None
    try:
        client = runtime.clients("secretsmanager", None)
        return load_smtp_credentials(client, runtime.settings.smtp_secret_arn), None
    except MailcanaryError as exc:
        return None, exc


def round_paths(
    runtime: Runtime, plan: RoundPlan, credentials: SmtpCredentials | None, secret_error: str | None
) -> list[Path]:
    """The round's paths. SES publishes events only for sends through the configuration set, which exists in
    one region (`Settings.events_region`): a send to SES elsewhere goes without it and is decided at send
    time (its delivery is not verified) instead of waiting for events that cannot come."""
    settings = runtime.settings
    paths: list[Path] = []
    if plan.api:
        client = runtime.clients("ses" if settings.ses_api == "v1" else "sesv2", settings.ses_region)
        message = build_canary(plan.canary_id, settings.sender, plan.to, plan.cc, plan.bcc)
        awaits = awaits_ses_events(settings)
        paths.append(
            ApiPath(
                "api",
                f"ses-api:{settings.ses_region}",
                SesApiSender(client, api=settings.ses_api),
                settings.sender,
                plan.destinations,
                (settings.configuration_set or None) if awaits else None,
                message,
                plan.intended,
                awaits_ses_events=awaits,
            )
        )
    built: dict[bool, CanaryMessage] = {}

    def message_for(awaits: bool) -> CanaryMessage:
        """Built once per kind (with or without the configuration set header), then a fresh Message-ID per
        path (`restamp` costs a fraction of a build)."""
        if awaits in built:
            return restamp(built[awaits])
        built[awaits] = build_canary(
            plan.canary_id,
            settings.sender,
            plan.to,
            plan.cc,
            plan.bcc,
            configuration_set=settings.configuration_set if awaits else None,
            ses_smtp_headers=True,
        )
        return built[awaits]

    for config in plan.targets:
        smtp, error = _smtp_target(config, credentials, secret_error)
        awaits = awaits_ses_events(settings, config.host)
        paths.append(
            SmtpPath(
                f"smtp:{config.name}",
                config.name,
                smtp,
                settings.sender,
                plan.smtp_envelope,
                message_for(awaits),
                plan.intended,
                plan.conformance,
                error,
                awaits_ses_events=awaits,
            )
        )
    return paths


def _smtp_target(
    config: SmtpTargetConfig, credentials: SmtpCredentials | None, secret_error: str | None
) -> tuple[SmtpTarget | None, str | None]:
    if config.auth and credentials is None:
        return None, secret_error or "no SMTP credentials"
    try:
        return SmtpTarget(
            host=config.host,
            port=config.port,
            tls=_TLS[config.tls],
            username=credentials.username if config.auth and credentials else None,
            password=credentials.password_for(config.host) if config.auth and credentials else None,
            timeouts=Timeouts.uniform(config.timeout_seconds) if config.timeout_seconds else SMTP_TIMEOUTS,
            ca_file=config.ca_file,
        ), None
    except MailcanaryError as exc:
        return None, str(exc)


def _record(
    recorder: SendRecorder, canary_id: str, outcome: PathSendResult, deadline: datetime, *, awaits_arrival: bool
) -> CanaryState | None:
    """Attach what the path sent; decide it at once when nothing later could change its verdict (a send-time
    check failed) or nothing later will come for it (no SES message id and no receiver, or sent outside the
    events region).

    With a receiver configured (`awaits_arrival`), an SMTP path whose target is not SES (no SES message id) waits
    for its arrived copy instead of being decided at acceptance (`mailcanary.decide.arrival`, or the sweep).
    The writes go through the round's `SendRecorder`: written as soon as possible, grouped with the other
    paths that completed at the same moment.
    """
    sent = None
    if outcome.handed_over and (outcome.ses_message_id or awaits_arrival):
        sent = new_path(
            canary_id,
            outcome.name,
            PathKind(outcome.kind.value),
            outcome.target,
            deadline=deadline,
            envelope=outcome.envelope,
        )
        arrives = outcome.passed and not outcome.ses_message_id and outcome.kind is PathKind.SMTP
        if outcome.passed and ((outcome.awaits_ses_events and outcome.ses_message_id) or arrives):
            recorder.submit(sent, outcome.ses_message_id or "", fingerprint=outcome.fingerprint, awaits_arrival=arrives)
            return None  # the reconciler decides it from SES's events, or its arrived copy does
    state = CanaryState.PASSED if outcome.passed else CanaryState.FAILED
    decide = (outcome.name, state, outcome.failed_checks)
    recorder.submit(sent, outcome.ses_message_id or "", decide=decide, fingerprint=outcome.fingerprint)
    return state


def _metrics(outcome: PathSendResult, decided: CanaryState | None, now: datetime) -> list[obs.MetricObservation]:
    metrics = obs.canary_sent(outcome.kind, outcome.target)
    metrics.append(obs.send_latency(outcome.kind, outcome.target, outcome.send_ms))
    if outcome.certificate_not_after is not None:
        days = round(days_left(outcome.certificate_not_after, now), 2)
        metrics += obs.certificate_days_left(outcome.kind, outcome.target, days)
    if decided is not None:
        metrics += obs.path_decided(outcome.kind, outcome.target, decided, (f.check for f in outcome.failed_checks))
    return metrics
