"""Everything `mailcanary demo` runs, started on 127.0.0.1 and stopped again: moto's server, the SES-like
SMTP endpoint, a plain relay (its copies land in the emulated SES inbound, `mailcanary.lab.inbound`), the SES
fault proxy when an API fault is asked for, and the environment the real handlers read.

`running_lab(...)` is one `ExitStack`: whatever started is stopped in reverse order, also on Ctrl-C or an
error, and the environment (including cached boto3 clients) is put back as it was.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any

from mailcanary.config import clients as aws_clients
from mailcanary.core.errors import UsageError
from mailcanary.core.secret import Secret
from mailcanary.lab.aws_lab import REGION, AwsLab, running_aws_lab
from mailcanary.lab.catalog import FaultLayer, LabFault
from mailcanary.lab.environment import patched_environ
from mailcanary.lab.fault_proxy import ApiFault, SesFaultProxy
from mailcanary.lab.faults import SmtpFault
from mailcanary.lab.inbound import ArrivalFault, LabDkim
from mailcanary.lab.invoke import Handler, load_handler
from mailcanary.lab.ses_emulator import EventFault
from mailcanary.lab.smtp_endpoint import LabSmtpEndpoint, LabTls

__all__ = ["LAB_RECIPIENTS", "LabOptions", "LabStack", "running_lab"]

SENDER = "canary@mailcanary.test"
TARGET_NAME = "lab"
RELAY_NAME = "relay"  # a plain MTA (no SES message id): its path is decided by the arrived copy
RECEIVING_DOMAIN = "inbound.mailcanary.test"  # the lab's SES inbound receives every copy the relay passes on
LAB_RECIPIENTS = {
    "to": ["success+to@simulator.amazonses.com"],
    "cc": ["success+cc@simulator.amazonses.com"],
    "bcc": ["success+bcc@simulator.amazonses.com"],
}
_NOISY_LOGGERS = ("werkzeug", "mail.log")  # moto's request log and aiosmtpd's session log go to stderr


@dataclass(frozen=True)
class LabOptions:
    """How the lab runs: which faults, from which round on, and its (short) timeouts."""

    faults: tuple[LabFault, ...] = ()
    onset_round: int = 1  # faults are armed from this round on (1 = from the start)
    smtp_timeout_seconds: float = 10.0
    # The sweeper may declare a canary lost this soon (the lab feeds events and copies at once); long enough that
    # a copy received right after a slow round is not late.
    lost_after_seconds: int = 3
    smtp_password: str | None = None  # the lab endpoint's AUTH password; None: a random one per run

    def of(self, layer: FaultLayer) -> tuple[LabFault, ...]:
        return tuple(fault for fault in self.faults if fault.layer is layer)

    @property
    def effective_smtp_timeout(self) -> float:
        """The client's SMTP timeout: short when the banner is meant to stall past it."""
        slow = any(fault.name == SmtpFault.SLOW_BANNER for fault in self.faults)
        return min(self.smtp_timeout_seconds, 1.0) if slow else self.smtp_timeout_seconds


@dataclass
class LabStack:
    """The running lab: its AWS endpoint, SMTP endpoint, optional fault proxy and the loaded handlers."""

    options: LabOptions
    aws: AwsLab
    endpoint: LabSmtpEndpoint
    proxy: SesFaultProxy | None
    relay: LabSmtpEndpoint
    dkim: LabDkim
    handlers: dict[str, Handler] = field(default_factory=dict)
    armed: bool = False
    relayed: int = 0  # messages of `relay.delivered` already passed on

    def to_pass_on(self) -> tuple[Any, ...]:
        """The relay's accepted messages not passed on yet (each round passes on what it sent)."""
        delivered = self.relay.delivered
        fresh, self.relayed = delivered[self.relayed :], len(delivered)
        return fresh

    def arm(self, round_number: int) -> bool:
        """Switch the faults on if `round_number` is at or past the onset; True when they are active."""
        self.armed = round_number >= self.options.onset_round
        smtp = {SmtpFault(fault.name) for fault in self.options.of(FaultLayer.SMTP)}
        api = {ApiFault(fault.name) for fault in self.options.of(FaultLayer.API)}
        self.endpoint.faults = frozenset(smtp if self.armed else ())
        if self.proxy is not None:
            self.proxy.faults = frozenset(api if self.armed else ())
        return self.armed

    @property
    def event_faults(self) -> frozenset[EventFault]:
        names = [fault.name for fault in self.options.of(FaultLayer.EVENTS)] if self.armed else []
        return frozenset(EventFault(name) for name in names)

    @property
    def arrival_faults(self) -> frozenset[ArrivalFault]:
        names = [fault.name for fault in self.options.of(FaultLayer.ARRIVAL)] if self.armed else []
        return frozenset(ArrivalFault(name) for name in names)

    @property
    def envelope_fault(self) -> bool:
        return self.armed and bool(self.options.of(FaultLayer.ENVELOPE))


def _check_onset(options: LabOptions) -> None:
    if options.onset_round < 1:
        raise UsageError("the fault onset round must be 1 or later")
    fixed_at_start = {SmtpFault.BAD_CERTIFICATE.value}  # the certificate is made when the endpoint starts
    if options.onset_round > 1 and any(fault.name in fixed_at_start for fault in options.faults):
        raise UsageError("bad-certificate is active from the first round only (the certificate is made at start)")


def lab_environment(stack: LabStack) -> dict[str, str]:
    """The variables the handlers and boto3 read during the run (fake credentials, moto, lab settings)."""
    aws, endpoint, resources = stack.aws, stack.endpoint, stack.aws.resources
    target: dict[str, Any] = {
        "name": TARGET_NAME,
        "host": endpoint.host,
        "port": endpoint.port,
        "tls": "starttls",
        "auth": True,
        "ca_file": endpoint.ca_file,
        "timeout_seconds": stack.options.effective_smtp_timeout,
    }
    relay = {
        "name": RELAY_NAME,
        "host": stack.relay.host,
        "port": stack.relay.port,
        "tls": "none",
        "auth": False,
        "timeout_seconds": stack.options.smtp_timeout_seconds,
    }
    values = {
        "AWS_ENDPOINT_URL": aws.endpoint_url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",  # moto accepts any key: nothing real
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_CONFIG_FILE": os.devnull,  # never read the user's profiles: the lab talks to moto only
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "POWERTOOLS_TRACE_DISABLED": "true",  # no X-Ray daemon here (the log level is left alone: the cached
        # Logger would keep a level set now after the run; its lines are captured, never shown)
        "MAILCANARY_SENDER": resources.sender,
        "MAILCANARY_SES_REGION": REGION,
        "MAILCANARY_TABLE_NAME": resources.table_name,
        "MAILCANARY_IDEMPOTENCY_TABLE_NAME": resources.idempotency_table_name,
        "MAILCANARY_LOST_AFTER_SECONDS": str(stack.options.lost_after_seconds),
        "MAILCANARY_ALERT_TOPIC_ARN": resources.alert_topic_arn,
        "MAILCANARY_CONFIGURATION_SET": resources.configuration_set,
        "MAILCANARY_SMTP_SECRET_ARN": resources.smtp_secret_arn,
        "MAILCANARY_SMTP_TARGETS": json.dumps([target, relay]),
        "MAILCANARY_RECIPIENTS": json.dumps(LAB_RECIPIENTS),
        "MAILCANARY_RECEIVING_DOMAIN": RECEIVING_DOMAIN,
        "MAILCANARY_ARTIFACT_BUCKET": resources.artifact_bucket,
    }
    if stack.proxy is not None:  # only SES goes through the fault proxy; everything else talks to moto
        values["AWS_ENDPOINT_URL_SES"] = values["AWS_ENDPOINT_URL_SESV2"] = stack.proxy.endpoint_url
    return values


@contextmanager
def _quiet(names: tuple[str, ...]) -> Iterator[None]:
    loggers = [logging.getLogger(name) for name in names]
    levels = [each.level for each in loggers]
    for each in loggers:
        each.setLevel(logging.CRITICAL)  # e.g. aiosmtpd logs the failed handshake of bad-certificate
    try:
        yield
    finally:
        for each, level in zip(loggers, levels, strict=True):
            each.setLevel(level)


@contextmanager
def _fresh_clients() -> Iterator[None]:
    aws_clients.clear()  # clients cached before the run point elsewhere
    try:
        yield
    finally:
        aws_clients.clear()  # and ours point at a moto that is about to stop


@contextmanager
def running_lab(options: LabOptions, functions: Mapping[str, Handler] | None = None) -> Iterator[LabStack]:
    """Start the lab, set the environment, load fresh handlers; stop and restore everything on exit."""
    _check_onset(options)
    with ExitStack() as stack:
        stack.enter_context(_quiet(_NOISY_LOGGERS))
        aws = stack.enter_context(running_aws_lab(sender=SENDER))
        smtp_timeout = options.effective_smtp_timeout
        endpoint = stack.enter_context(
            LabSmtpEndpoint(
                faults={SmtpFault(fault.name) for fault in options.of(FaultLayer.SMTP)} & {SmtpFault.BAD_CERTIFICATE},
                banner_delay=smtp_timeout + 1.0,
                password=Secret(options.smtp_password) if options.smtp_password else None,
            )
        )
        proxy = stack.enter_context(SesFaultProxy(aws.endpoint_url)) if options.of(FaultLayer.API) else None
        relay = stack.enter_context(LabSmtpEndpoint(tls=LabTls.NONE, require_auth=False, ses_like=False))
        aws.client("secretsmanager").put_secret_value(
            SecretId=aws.resources.smtp_secret_arn,
            SecretString=json.dumps({"username": endpoint.username, "password": endpoint.password.reveal()}),
        )
        lab = LabStack(options, aws, endpoint, proxy, relay, LabDkim.generate())
        stack.enter_context(patched_environ(lab_environment(lab)))
        stack.enter_context(_fresh_clients())
        for name in ("canary", "ses_events", "sweeper", "arrival"):
            lab.handlers[name] = functions[name] if functions and name in functions else load_handler(name)
        yield lab
