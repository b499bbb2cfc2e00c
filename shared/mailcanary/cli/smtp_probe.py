"""`mailcanary smtp-probe`: send one canary message over SMTP and show the transcript and verdict.

Exit codes are swaks's per stage (see `ExitCode`); 1 when the message went through but the conformance
probe caught the server accepting out-of-order commands; 2 for usage errors; 141 (128 + SIGPIPE, what a
shell tool killed by the closed pipe returns) when the reader of its output went away, with nothing on
stderr. The AUTH password is read only from the environment variable named by `--auth-password-env`, never
from the command line.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from mailcanary.cli.smtp_output import conformance_failed, render_result
from mailcanary.core.errors import ConfigError, UsageError
from mailcanary.core.redaction import NO_SECRETS, SecretForms, redact, redact_text
from mailcanary.smtp.certificate import days_left
from mailcanary.smtp.errors import SmtpPathError
from mailcanary.smtp.probe_message import ProbeMessage, build_probe_message, parse_address
from mailcanary.smtp.result import ExitCode, SmtpResult
from mailcanary.smtp.session import send_canary
from mailcanary.smtp.target import DEFAULT_PORTS, SmtpTarget, Timeouts, TlsMode

if TYPE_CHECKING:
    from mailcanary.cli.plugin_output import CertificateDays

__all__ = ["EXIT_CODES", "parse_server", "register", "run"]

EXIT_CONFORMANCE = 1
EXIT_CLOSED_PIPE = 141  # 128 + SIGPIPE
# What `--help` and the README's table say each exit code means (a test keeps the README equal to this).
EXIT_CODES: dict[int, str] = {
    ExitCode.OK: "message accepted (refused recipients are still listed, as swaks does)",
    EXIT_CONFORMANCE: "message accepted, but the conformance probe saw the server accept an out-of-order command",
    ExitCode.CONNECT: "usage error, or cannot connect (refused, or not connected within the connect timeout)",
    ExitCode.CONNECTION_CLOSED: "connection closed unexpectedly (after the banner)",
    ExitCode.BANNER: "banner missing (the server closed first), refused, too long, malformed or not complete in time",
    ExitCode.HELO: "EHLO/HELO refused, or its reply too long, malformed or not complete in time",
    ExitCode.MAIL: "MAIL FROM refused",
    ExitCode.NO_RECIPIENT: "no RCPT accepted",
    ExitCode.DATA: "DATA refused",
    ExitCode.MESSAGE_REFUSED: "message refused after the final dot",
    ExitCode.AUTH: "AUTH failed, unavailable, or refused by us without TLS",
    ExitCode.TLS: "TLS failed: STARTTLS missing or refused, handshake failed or timed out, clear text after the 220, "
    "certificate or host name not verified",
    EXIT_CLOSED_PIPE: "the reader of the output went away (closed pipe); nothing on stderr",
}
_DESCRIPTION = (
    "Send one canary message over SMTP (EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA) and print a swaks-style "
    "transcript and a verdict. The password is read only from the variable named by --auth-password-env and "
    "never recorded; certificates are verified unless --insecure-skip-tls-verify."
)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "smtp-probe",
        help="send one SMTP canary; print the transcript and verdict",
        description=_DESCRIPTION,
        epilog="exit codes:\n" + "\n".join(f"  {code:>2}  {meaning}" for code, meaning in sorted(EXIT_CODES.items())),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--server", required=True, metavar="HOST[:PORT]", help="port defaults to 587 (465 for wrapper)")
    parser.add_argument("--tls", choices=[mode.value for mode in TlsMode], default=TlsMode.REQUIRED.value)
    parser.add_argument("--auth-user", metavar="USER")
    parser.add_argument("--auth-password-env", metavar="VAR", help="environment variable holding the password")
    parser.add_argument("--from", dest="mail_from", required=True, metavar="ADDRESS")
    parser.add_argument("--to", action="append", required=True, metavar="ADDRESS", help="repeatable")
    parser.add_argument("--cc", action="append", default=[], metavar="ADDRESS", help="repeatable")
    parser.add_argument("--bcc", action="append", default=[], metavar="ADDRESS", help="envelope only; repeatable")
    parser.add_argument("--conformance", action="store_true", help="probe out-of-order commands first")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--insecure-skip-tls-verify", action="store_true", help="do not verify the certificate")
    parser.add_argument("--ca-file", metavar="FILE", help="trust this CA bundle instead of the system's")
    parser.add_argument("--timeout", type=float, metavar="SECONDS", help="the same timeout for every stage")
    parser.add_argument("--helo", default="localhost", metavar="NAME", help="EHLO name (default localhost)")
    parser.add_argument("--allow-auth-without-tls", action="store_true", help="send AUTH even in clear text")
    plugin = parser.add_argument_group(
        "monitoring plugin",
        "Nagios/Icinga/Checkmk status line with perfdata; exit 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN",
    )
    plugin.add_argument("--plugin-output", action="store_true", help="print one plugin status line with perfdata")
    for level in ("warning", "critical"):
        plugin.add_argument(
            f"--{level}",
            action="append",
            default=[],
            metavar="[STAGE=]SECONDS",
            help=f"{level} above this time: the whole session, or a stage (connect, ..., dot); comma list, repeatable",
        )
    plugin.add_argument(
        "--certificate-days",
        metavar="WARN[,CRIT]",
        help="warn (critical) when the server certificate expires within so many days; expiry is in --json",
    )
    parser.set_defaults(func=run)


def parse_server(text: str, tls: TlsMode) -> tuple[str, int]:
    """`host`, `host:port`, `[v6]:port` or a bare IPv6 address → (host, port)."""
    text = text.strip()
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        separator, port_text = rest[:1], rest[1:]
        if separator not in ("", ":"):
            raise UsageError(f"--server {text!r}: expected [IPv6]:PORT")
    elif text.count(":") == 1:
        host, separator, port_text = text.partition(":")
    else:
        host, separator, port_text = text, "", ""
    if not host:
        raise UsageError(f"--server {text!r}: no host")
    if not separator:
        return host, DEFAULT_PORTS[tls]
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise UsageError(f"--server {text!r}: invalid port")
    return host, int(port_text)


def _target(args: argparse.Namespace) -> SmtpTarget:
    tls = TlsMode(args.tls)
    host, port = parse_server(args.server, tls)
    if (args.auth_user is None) != (args.auth_password_env is None):
        raise UsageError("--auth-user and --auth-password-env go together")
    password = None
    if args.auth_password_env is not None:
        from mailcanary.config.settings import secret_from_environ  # pydantic settings: only when a password is read

        try:
            password = secret_from_environ(args.auth_password_env)
        except ConfigError as exc:
            raise UsageError(f"--auth-password-env {exc}") from exc
    if args.timeout is not None and not args.timeout > 0:
        raise UsageError("--timeout must be positive")
    timeouts = Timeouts.uniform(args.timeout) if args.timeout is not None else Timeouts()
    return SmtpTarget(
        host=host,
        port=port,
        tls=tls,
        username=args.auth_user,
        password=password,
        timeouts=timeouts,
        helo_name=args.helo,
        ca_file=args.ca_file,
        insecure_skip_tls_verify=args.insecure_skip_tls_verify,
        allow_auth_without_tls=args.allow_auth_without_tls,
    )


def run(args: argparse.Namespace) -> int:
    if args.plugin_output:
        from mailcanary.cli.plugin_probe import run_plugin  # only in plugin mode

        return run_plugin(args, _prepare, _write)
    if args.warning or args.critical:
        raise UsageError("--warning and --critical go with --plugin-output")
    certificate_days = _certificate_days(args)
    target, mail_from, message = _prepare(args)
    result = send_canary(target, mail_from, message.envelope_recipients, message.content, conformance=args.conformance)
    exit_code = EXIT_CONFORMANCE if result.ok and conformance_failed(result) else int(result.exit_code)
    # The session already masks what a server echoes back; the output passes the one redaction all the same.
    password = target.password.reveal() if target.password is not None else ""
    forms = SecretForms.of(target.username, (password,)) if password else NO_SECRETS
    if args.json:
        import json  # only for --json: the plain send does not pay for it

        document = {
            "verdict": "pass" if exit_code == 0 else "fail",
            "exit_code": exit_code,
            "message_id_header": message.message_id,
            "server": target.to_dict(),
            "certificate": _certificate_document(result, certificate_days),
            "result": result.to_dict(),
        }
        text = json.dumps(redact(document, forms), indent=2)
    else:
        text = redact_text(render_result(result), forms)
        if certificate_days is not None:
            text += "\n" + _certificate_line(result, certificate_days)
    return exit_code if _write(text) else EXIT_CLOSED_PIPE


def _prepare(args: argparse.Namespace) -> tuple[SmtpTarget, str, ProbeMessage]:
    """The target, envelope sender and probe message from the arguments; UsageError on anything wrong."""
    try:
        target = _target(args)
        mail_from = parse_address(args.mail_from)
        message = build_probe_message(mail_from, args.to, args.cc, args.bcc)
        if target.tls is not TlsMode.NONE:
            target.ssl_context()  # a bad --ca-file is a usage error, found before connecting
    except SmtpPathError as exc:
        raise UsageError(str(exc)) from exc
    return target, mail_from, message


def _certificate_days(args: argparse.Namespace) -> CertificateDays | None:
    if args.certificate_days is None:
        return None
    from mailcanary.cli.plugin_output import parse_certificate_days

    return parse_certificate_days(args.certificate_days)


def _certificate_document(result: SmtpResult, wanted: CertificateDays | None) -> dict[str, Any] | None:
    """The server certificate's expiry for --json: None without TLS or when it could not be read."""
    if result.certificate_not_after is None:
        return None
    days = days_left(result.certificate_not_after, datetime.now(UTC))
    document: dict[str, Any] = {"not_after": result.certificate_not_after.isoformat(), "days_left": round(days, 2)}
    if wanted is not None:
        document["warning_days"] = wanted.warning
        document["critical_days"] = wanted.critical
        document["expires_soon"] = days <= wanted.warning
    return document


def _certificate_line(result: SmtpResult, wanted: CertificateDays) -> str:
    if not result.tls:
        return "=== certificate: no TLS, nothing to check"
    if result.certificate_not_after is None:
        return "=== certificate: expiry unknown (not verified and not decodable here)"
    days = days_left(result.certificate_not_after, datetime.now(UTC))
    expiry = f"{result.certificate_not_after:%Y-%m-%d %H:%M} UTC, in {days:.1f} days"
    soon = f" WARNING: within {wanted.warning:g} days" if days <= wanted.warning else ""
    return f"=== certificate: expires {expiry}{soon}"


def _write(text: str) -> bool:
    """Print `text`; False when the reader went away (`| head`). Then stdout points at /dev/null, so the
    interpreter's flush at exit has nowhere to fail and prints no second error."""
    try:
        print(text)
        sys.stdout.flush()
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return False
    return True
