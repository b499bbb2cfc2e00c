"""`mailcanary round-trip`: one canary through one path (an SMTP server or the SES API), awaited in one IMAP
mailbox, and the delivery checks' verdict on what arrived.

Like check_email_delivery's mail loop, each failed stage has its own exit code (`EXIT_CODES`). Passwords are read
only from the environment variables named on the command line and never shown; every output passes the one
redaction. The wait is bounded by `--timeout`; a progress line on stderr says what has arrived so far.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from mailcanary.arrival.imap import ImapAuthError, ImapError, ImapMailbox, ImapTls
from mailcanary.arrival.imap.mailbox import AfterRead
from mailcanary.cli.round_trip_output import Outcome, progress_line, render
from mailcanary.cli.smtp_probe import parse_server
from mailcanary.core.checks import Verdict
from mailcanary.core.errors import ConfigError, UsageError
from mailcanary.core.redaction import SecretForms, redact
from mailcanary.core.secret import Secret
from mailcanary.smtp.target import SmtpTarget, Timeouts, TlsMode

__all__ = ["EXIT_CODES", "register", "run"]

EXIT_OK, EXIT_CHECK_FAILED, EXIT_SEND, EXIT_MAILBOX, EXIT_LOGIN, EXIT_NOT_ARRIVED = 0, 1, 3, 4, 5, 6
MAX_TIMEOUT = 3600.0
# What `--help` and the README's table say each exit code means (a test keeps the README equal to this).
EXIT_CODES: dict[int, str] = {
    EXIT_OK: "every copy arrived and every delivery check passed",
    EXIT_CHECK_FAILED: "every copy arrived, but a delivery check failed (headers, envelope, authentication, placement)",
    2: "usage error",
    EXIT_SEND: "sending failed: the SMTP server refused or could not be reached, or SES refused",
    EXIT_MAILBOX: "mailbox not readable: cannot connect, TLS or certificate failed, STARTTLS missing (the password "
    "is never sent in clear), no answer in time, or a command refused",
    EXIT_LOGIN: "mailbox login refused",
    EXIT_NOT_ARRIVED: "not every copy arrived before --timeout",
}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "round-trip",
        help="send one canary and await it in an IMAP mailbox; the verdict per delivery check",
        description="Send one canary through an SMTP server or the SES API, wait for it in an IMAP mailbox (inbox "
        "and spam folder), and print the verdict of each delivery check. Passwords are read only from the "
        "environment variables named by --smtp-password-env and --imap-password-env.",
        epilog="exit codes:\n" + "\n".join(f"  {code:>2}  {meaning}" for code, meaning in sorted(EXIT_CODES.items())),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--from", dest="mail_from", required=True, metavar="ADDRESS")
    parser.add_argument("--to", action="append", required=True, metavar="ADDRESS", help="repeatable")
    parser.add_argument("--cc", action="append", default=[], metavar="ADDRESS", help="repeatable")
    path = parser.add_mutually_exclusive_group(required=True)
    path.add_argument("--smtp-server", metavar="HOST[:PORT]", help="send over SMTP (port defaults to 587)")
    path.add_argument("--ses", action="store_true", help="send through the SES API")
    parser.add_argument("--smtp-tls", choices=[mode.value for mode in TlsMode], default=TlsMode.REQUIRED.value)
    parser.add_argument("--smtp-user", metavar="USER")
    parser.add_argument("--smtp-password-env", metavar="VAR", help="environment variable holding the password")
    parser.add_argument("--smtp-ca-file", metavar="FILE", help="trust this CA bundle for the SMTP server")
    parser.add_argument("--ses-api", choices=["v1", "v2"], default="v1")
    parser.add_argument("--region", help="SES region (default: AWS_REGION)")
    parser.add_argument("--endpoint-url", metavar="URL", help="SES endpoint, e.g. a local moto server")
    parser.add_argument("--imap-server", required=True, metavar="HOST[:PORT]", help="port defaults to 993 (143)")
    parser.add_argument("--imap-tls", choices=[mode.value for mode in ImapTls], default=ImapTls.IMPLICIT.value)
    parser.add_argument("--imap-user", required=True, metavar="USER")
    parser.add_argument("--imap-password-env", required=True, metavar="VAR")
    parser.add_argument("--imap-ca-file", metavar="FILE", help="trust this CA bundle for the IMAP server")
    parser.add_argument("--imap-junk", default="", metavar="FOLDER", help="spam folder (default: found)")
    after = parser.add_mutually_exclusive_group()
    after.add_argument("--imap-move-to", default="", metavar="FOLDER", help="move read canaries (default: delete)")
    after.add_argument("--imap-keep", action="store_true", help="leave read canaries in the mailbox")
    parser.add_argument("--timeout", type=float, default=300.0, metavar="SECONDS", help="wait at most (300)")
    parser.add_argument("--poll-interval", type=float, default=5.0, metavar="SECONDS", help="between polls (5)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(func=run)


def _password(variable: str, option: str) -> Secret:
    from mailcanary.config.settings import secret_from_environ  # pydantic settings: only when a password is read

    try:
        return secret_from_environ(variable)
    except ConfigError as exc:
        raise UsageError(f"{option} {exc}") from exc


def _has_port(text: str) -> bool:
    """Whether `--imap-server` names a port (`host:port`, `[v6]:port`), as `parse_server` reads it."""
    text = text.strip()
    return "]:" in text if text.startswith("[") else text.count(":") == 1


def _mailbox(args: argparse.Namespace) -> ImapMailbox:
    host, port = parse_server(args.imap_server, TlsMode.REQUIRED)
    password = _password(args.imap_password_env, "--imap-password-env")
    after = AfterRead.KEEP if args.imap_keep else AfterRead.MOVE if args.imap_move_to else AfterRead.DELETE
    try:
        mailbox = ImapMailbox(
            host,
            args.imap_user,
            password,
            port=port if _has_port(args.imap_server) else 0,  # 0: the TLS mode's default port
            tls=ImapTls(args.imap_tls),
            ca_file=args.imap_ca_file,
            junk=args.imap_junk,
            after_read=after,
            move_to=args.imap_move_to,
        )
        mailbox.ssl_context()  # a bad --imap-ca-file is a usage error, found before sending
    except ConfigError as exc:
        raise UsageError(str(exc)) from exc
    return mailbox


def _smtp_target(args: argparse.Namespace) -> SmtpTarget:
    tls = TlsMode(args.smtp_tls)
    host, port = parse_server(args.smtp_server, tls)
    if (args.smtp_user is None) != (args.smtp_password_env is None):
        raise UsageError("--smtp-user and --smtp-password-env go together")
    password = _password(args.smtp_password_env, "--smtp-password-env") if args.smtp_password_env else None
    timeouts = Timeouts.uniform(min(args.timeout, 60.0))
    return SmtpTarget(
        host=host,
        port=port,
        tls=tls,
        username=args.smtp_user,
        password=password,
        timeouts=timeouts,
        ca_file=args.smtp_ca_file,
    )


def run(args: argparse.Namespace) -> int:
    if not 0 < args.timeout <= MAX_TIMEOUT or not 0 < args.poll_interval <= MAX_TIMEOUT:
        raise UsageError(f"--timeout and --poll-interval must be 0-{MAX_TIMEOUT:.0f} seconds")
    mailbox = _mailbox(args)
    forms = mailbox.forms()
    target = _smtp_target(args) if args.smtp_server else None
    if target is not None and target.password is not None:
        forms = forms | SecretForms.of(target.username, (target.password.reveal(),))
    from mailcanary.message import build_canary, new_canary_id
    from mailcanary.recipients import RecipientError

    canary_id = new_canary_id()
    try:
        canary = build_canary(canary_id, args.mail_from, args.to, args.cc)
    except RecipientError as exc:
        raise UsageError(str(exc)) from exc
    started = time.monotonic()
    sent_at = datetime.now(UTC)
    outcome = Outcome(canary_id=canary_id, mailbox=mailbox.address)
    if target is not None:
        _send_smtp(target, canary, outcome)
    else:
        _send_ses(args, canary, outcome)
    if outcome.exit_code == EXIT_OK:
        _await(args, mailbox, canary, outcome, started, sent_at)
    document = redact(outcome.as_dict(), forms)
    print(render(document) if not args.json else _json(document))
    return outcome.exit_code


def _send_smtp(target: SmtpTarget, canary: Any, outcome: Outcome) -> None:
    from mailcanary.smtp.session import send_canary

    result = send_canary(target, canary.message["From"].addresses[0].addr_spec, canary.envelope_recipients, canary.raw)
    outcome.path, outcome.target, outcome.raw = "smtp", target.address, canary.raw
    if not result.ok:
        outcome.fail(EXIT_SEND, f"send failed at {result.stage.value}: {result.error}")
        return
    outcome.envelope = result.accepted_recipients


def _send_ses(args: argparse.Namespace, canary: Any, outcome: Outcome) -> None:
    import os

    from mailcanary.ses.api import SesApiSender, make_client
    from mailcanary.ses.errors import SesSendError

    region = args.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if not region:
        raise UsageError("--ses needs --region (or AWS_REGION)")
    client = make_client(args.ses_api, region=region, endpoint_url=args.endpoint_url)
    outcome.path, outcome.target = "api", f"ses-{args.ses_api}:{region}"
    source = canary.message["From"].addresses[0].addr_spec
    try:
        result = SesApiSender(client, api=args.ses_api).send(
            canary.raw, source=source, destinations=canary.envelope_recipients, tags={"mailcanary": canary.canary_id}
        )
    except SesSendError as exc:
        outcome.fail(EXIT_SEND, f"SES refused the canary: {exc}")
        return
    outcome.raw, outcome.envelope = result.raw, result.destinations


def _await(
    args: argparse.Namespace, mailbox: ImapMailbox, canary: Any, outcome: Outcome, started: float, sent_at: datetime
) -> None:
    from mailcanary.arrival.imap import ImapReceiver
    from mailcanary.arrival.wait import wait_for_copies

    on_poll = progress_line(sys.stderr, canary.canary_id, mailbox.address)
    try:
        waited = wait_for_copies(
            ImapReceiver(mailbox),
            canary.canary_id,
            expected=len(outcome.envelope),
            deadline=started + args.timeout,
            interval=args.poll_interval,
            on_poll=on_poll,
        )
    except ImapError as exc:
        outcome.fail(EXIT_LOGIN if isinstance(exc, ImapAuthError) else EXIT_MAILBOX, f"{type(exc).__name__}: {exc}")
        return
    finally:
        on_poll(None)
    outcome.copies, outcome.polls = waited.copies, waited.polls
    outcome.verdicts = _judge(outcome, sent_at, timedelta(seconds=args.timeout))
    if not waited.complete:
        outcome.fail(EXIT_NOT_ARRIVED, f"{len(waited.copies)} of {len(outcome.envelope)} copies arrived in time")
    elif any(not verdict.passed for verdict in outcome.verdicts):
        outcome.fail(EXIT_CHECK_FAILED, "a delivery check failed")


def _judge(outcome: Outcome, sent_at: datetime, window: timedelta) -> tuple[Verdict, ...]:
    """The delivery checks on what arrived, against what the path sent (its bytes and its envelope)."""
    from mailcanary.arrival.checks import judge_arrival  # type: ignore[import-not-found,unused-ignore]
    from mailcanary.arrival.expected import expected_arrival  # type: ignore[import-not-found,unused-ignore]
    from mailcanary.arrival.model import ArrivalJudge, ExpectedArrival

    judge: ArrivalJudge = judge_arrival
    expected: ExpectedArrival = expected_arrival(
        outcome.raw,
        path_name=outcome.path,
        target=outcome.target,
        sent_at=sent_at,
        envelope=outcome.envelope,
        deadline=sent_at + window,
    )
    return judge(expected, outcome.copies, now=datetime.now(UTC))


def _json(document: dict[str, Any]) -> str:
    from mailcanary.cli.safe_io import json_text

    return json_text(document)
