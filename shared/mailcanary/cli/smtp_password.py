"""`mailcanary smtp-password --region R`: derive the SES SMTP password from an IAM secret access key.

The key is read from an environment variable (`--secret-key-env VAR`) or from stdin (without echo when
stdin is a terminal), never from the command line, so it stays out of shell history and `ps`. Only the
derived password is printed, on stdout; the key is never echoed.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from typing import Any

from mailcanary.core.errors import UsageError
from mailcanary.ses.smtp_credentials import smtp_password

__all__ = ["register"]

AWS_SECRET_KEY_LENGTH = 40


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "smtp-password",
        help="derive the SES SMTP password from a secret access key (read from stdin or an env variable)",
        description=__doc__.splitlines()[0] if __doc__ else None,
    )
    parser.add_argument("--region", required=True, help="the region whose SES SMTP endpoint will be used")
    parser.add_argument("--secret-key-env", metavar="VAR", help="read the secret access key from this variable")
    parser.set_defaults(func=run)


def _read_secret(args: argparse.Namespace) -> str:
    if args.secret_key_env:
        if args.secret_key_env not in os.environ:
            raise UsageError(f"environment variable {args.secret_key_env} is not set")
        return os.environ[args.secret_key_env].strip()
    if sys.stdin.isatty():
        return getpass.getpass("AWS secret access key: ").strip()
    return sys.stdin.readline().strip()


def run(args: argparse.Namespace) -> int:
    secret = _read_secret(args)
    if not secret:
        raise UsageError("no secret access key given (stdin was empty)")
    if not (secret.isascii() and secret.isprintable()):  # undecodable bytes arrive as surrogates: never encoded
        raise UsageError("the secret access key must be printable ASCII")
    if len(secret) != AWS_SECRET_KEY_LENGTH:
        print(f"mailcanary smtp-password: warning: the key is not {AWS_SECRET_KEY_LENGTH} characters", file=sys.stderr)
    print(smtp_password(secret, args.region))
    return 0
