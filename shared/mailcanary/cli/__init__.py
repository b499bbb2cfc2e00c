"""The `mailcanary` command: one sub-command per module in this package, each with `register(subparsers)`.

Exit codes: 0 success, 1 a check failed or findings were reported, 2 usage error; the SMTP probe uses
swaks-style per-stage codes. Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import NoReturn

from mailcanary import __version__
from mailcanary.cli.commands import COMMANDS, chosen
from mailcanary.core.errors import MailcanaryError, UsageError

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "main"]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

# What `mailcanary --help` says (the module docstring above is for whoever adds a sub-command).
DESCRIPTION = "mailcanary: an email canary for Amazon SES, and the tools to check SMTP and SES paths by hand."
EPILOG = (
    "exit codes: 0 success, 1 a check failed or findings were reported, 2 usage error; smtp-probe uses per-stage "
    "codes (mailcanary smtp-probe --help). `mailcanary COMMAND --help` describes each command."
)

# Sub-command modules; only the one run is imported (see `commands`), so each command starts fast.
COMMAND_MODULES: tuple[str, ...] = tuple(module for module, _ in COMMANDS.values())


class _OneLineErrorParser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser; only the sub-command named in `argv` is imported (every one when `argv` is None)."""
    parser = _OneLineErrorParser(prog="mailcanary", description=DESCRIPTION, epilog=EPILOG)
    parser.add_argument("--version", action="version", version=f"mailcanary {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_OneLineErrorParser)
    subparsers.required = True
    wanted = chosen(argv) if argv is not None else None
    for name, (module_name, help_text) in COMMANDS.items():
        if argv is None or name == wanted:
            importlib.import_module(module_name).register(subparsers)
        else:
            subparsers.add_parser(name, help=help_text)  # listed in --help, imported only when run
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one sub-command and return its exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except UsageError as exc:
        print(f"mailcanary {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except MailcanaryError as exc:
        print(f"mailcanary {args.command}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print(f"mailcanary {args.command}: interrupted", file=sys.stderr)
        return 130
