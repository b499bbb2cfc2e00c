"""The `mailcanary` command: one sub-command per module in this package, each with `register(subparsers)`.

Exit codes shared by every sub-command: 0 success, 1 a check failed or findings were reported, 2 usage error
or unreadable input, 3 input too large to check (preflight) or stack unreadable (doctor), 70 internal error,
130 interrupted, 141 stdout closed early (a broken pipe: the command stops quietly). The SMTP probe adds
swaks-style per-stage codes. Errors are one line on stderr, never a traceback, whatever the terminal's
encoding and whatever bytes the input holds.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import sys
from collections.abc import Sequence
from typing import NoReturn

from mailcanary import __version__
from mailcanary.cli.commands import COMMANDS, chosen
from mailcanary.cli.safe_io import clean_text, reconfigure_streams, silence_stdout
from mailcanary.core.errors import MailcanaryError, UsageError

__all__ = [
    "EXIT_BROKEN_PIPE",
    "EXIT_FAILED",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_TOO_LARGE",
    "EXIT_USAGE",
    "main",
]

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_TOO_LARGE = 3
EXIT_INTERNAL = 70  # EX_SOFTWARE (sysexits.h): a bug of ours, reported in one line
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a C tool killed by the signal reports

# What `mailcanary --help` says (the module docstring above is for whoever adds a sub-command).
DESCRIPTION = "mailcanary: an email canary for Amazon SES, and the tools to check SMTP and SES paths by hand."
EPILOG = (
    "exit codes: 0 success, 1 a check failed or findings were reported, 2 usage error, 3 input too large "
    "(preflight) or stack unreadable (doctor), 70 internal error, 130 interrupted, 141 stdout closed; smtp-probe "
    "and round-trip use per-stage codes (mailcanary smtp-probe --help, mailcanary round-trip --help). "
    "`mailcanary COMMAND --help` describes each command."
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
    """Run one sub-command and return its exit code; nothing it does can end in a traceback."""
    reconfigure_streams()
    arguments = list(sys.argv[1:] if argv is None else argv)
    command = chosen(arguments) or ""
    try:
        try:
            return _run(arguments)  # argparse's SystemExit (usage error, --help) passes through
        finally:
            sys.stdout.flush()  # a closed pipe shows here, inside the guard, not at interpreter exit
    except BrokenPipeError:
        silence_stdout()
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        return _fail(command, "interrupted", EXIT_INTERRUPTED)
    except Exception as exc:  # a bug of ours: one line and a documented code instead of a traceback
        return _fail(command, f"internal error: {type(exc).__name__}: {exc}", EXIT_INTERNAL)


def _run(arguments: list[str]) -> int:
    args = build_parser(arguments).parse_args(arguments)
    try:
        return int(args.func(args))
    except UsageError as exc:
        return _fail(args.command, str(exc), EXIT_USAGE)
    except MailcanaryError as exc:
        return _fail(args.command, f"{type(exc).__name__}: {exc}", EXIT_FAILED)


def _fail(command: str, message: str, code: int) -> int:
    """Print `message` as one line on stderr (newlines folded, undecodable bytes escaped); return `code`."""
    line = " ".join(clean_text(message).split())
    prefix = f"mailcanary {clean_text(command)}" if command else "mailcanary"
    with contextlib.suppress(OSError):  # stderr itself closed: the exit code is all that is left
        print(f"{prefix}: {line}", file=sys.stderr, flush=True)
    return code
