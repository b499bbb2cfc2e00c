"""`mailcanary demo`: run the canary on the embedded local default (placeholder until the SMTP path lands)."""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["register"]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("demo", help="run canaries against the embedded local default")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    print("mailcanary demo: the SMTP path is not wired yet")
    return 1
