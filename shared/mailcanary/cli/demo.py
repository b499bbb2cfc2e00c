"""`mailcanary demo`: the whole monitor on one machine (moto, an SES-like SMTP endpoint, an SES event
emulator, all on 127.0.0.1), with a fault lab. The logic lives in `mailcanary.lab`; this is argument glue.

Exit codes: 0 all checks passed (with --fault / --fault-matrix: every fault caught by its own check and
nothing else failed), 1 otherwise, 2 usage error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from mailcanary.cli.safe_io import json_text
from mailcanary.core.errors import UsageError

__all__ = ["register", "run"]


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _interval(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 3600:
        raise argparse.ArgumentTypeError("must be between 0 and 3600 seconds")
    return value


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="run the whole monitor locally (moto, SES-like SMTP endpoint, SES event emulator) with a fault lab",
        description="Rounds of the real canary, SES-events and sweeper handlers against a lab on 127.0.0.1.",
    )
    parser.add_argument("--rounds", type=_positive_int, default=3, help="canary rounds to run (default 3)")
    parser.add_argument("--interval", type=_interval, default=1.0, help="seconds between rounds (default 1)")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of the table")
    parser.add_argument("--keep-running", action="store_true", help="a round per interval until Ctrl-C")
    parser.add_argument("--report", type=Path, metavar="PATH", help="also write the JSON report to PATH")
    parser.add_argument(
        "--html", type=Path, metavar="PATH", help="also write the HTML report (one self-contained file) to PATH"
    )
    parser.add_argument("--fault", action="append", default=[], metavar="NAME", help="inject a fault (repeatable)")
    parser.add_argument("--fault-matrix", action="store_true", help="every fault in turn; print the detection table")
    parser.add_argument("--list-faults", action="store_true", help="list the faults and the check catching each")
    parser.set_defaults(func=run)


def _progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _write(path: Path | None, text: str) -> None:
    if path is None:
        return
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write the report to {path}: {exc.strerror or exc}") from exc


def _check_writable(*paths: Path | None) -> None:
    """Fail before the lab starts (a minute of work) when a report could not be written."""
    for path in paths:
        if path is not None and (path.is_dir() or not path.parent.is_dir()):
            raise UsageError(f"cannot write the report to {path}: not a file in an existing directory")


def run(args: argparse.Namespace) -> int:
    from mailcanary.lab.catalog import FAULTS, parse_faults

    if args.list_faults:
        for fault in FAULTS.values():
            print(
                f"{fault.name:26} {fault.expected.value if fault.expected else '(nothing may fail)':32} "
                f"{fault.description}"
            )
        return 0
    faults = parse_faults(args.fault)
    _check_writable(args.report, args.html)
    if args.html is not None:
        from mailcanary.html_report import require_charts

        require_charts()
    if args.fault_matrix and (faults or args.keep_running):
        raise UsageError("--fault-matrix runs every fault itself: it takes neither --fault nor --keep-running")
    from mailcanary.lab.demo import DemoOptions
    from mailcanary.lab.stack import LabOptions

    options = DemoOptions(
        rounds=args.rounds, interval=args.interval, keep_running=args.keep_running, lab=LabOptions(faults=faults)
    )
    if args.fault_matrix:
        from mailcanary.lab.matrix import render_matrix, run_matrix

        matrix = run_matrix(DemoOptions(rounds=1, interval=0.0), progress=_progress)
        document = matrix.to_dict()
        print(json_text(document) if args.json else render_matrix(matrix))
        _write(args.report, json_text(document) + "\n")
        if args.html is not None:
            from mailcanary.lab.report_html import matrix_html

            _write(args.html, matrix_html(matrix))
        return 0 if matrix.ok else 1
    from mailcanary.lab.demo import run_demo
    from mailcanary.lab.render import render_report

    report = run_demo(options, progress=_progress)
    document = report.to_dict()
    print(json_text(document) if args.json else render_report(report))
    _write(args.report, json_text(document) + "\n")
    if args.html is not None:
        from mailcanary.lab.report_html import demo_html

        _write(args.html, demo_html(report))
    return 0 if report.ok else 1
