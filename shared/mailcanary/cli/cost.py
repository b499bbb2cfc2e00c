"""`mailcanary cost --schedule 'rate(1 minute)' --smtp-targets N`: the monthly cost model, next to Synthetics."""

from __future__ import annotations

import argparse
from dataclasses import asdict
from typing import Any

from mailcanary.cli.safe_io import json_text
from mailcanary.cost import CostEstimate, Workload, estimate

__all__ = ["register"]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("cost", help="estimate the monthly AWS cost of the default deployment")
    parser.add_argument("--schedule", default="rate(5 minutes)", help="EventBridge rate expression of the rounds")
    parser.add_argument("--smtp-targets", type=int, default=1, help="number of SMTP targets (default 1)")
    parser.add_argument("--recipients", type=int, default=3, help="recipients per canary message (default 3)")
    parser.add_argument("--memory-mb", type=int, default=128, help="function memory (default 128)")
    parser.add_argument("--json", action="store_true", help="print the estimate as JSON")
    parser.set_defaults(func=run)


def render(result: CostEstimate) -> str:
    lines = [
        f"mailcanary monthly cost, schedule {result.schedule} ({result.runs_per_month:,.0f} rounds / 730 h month)",
        f"us-east-1 list prices as assumed on {result.prices_as_of}, no free tier",
        "",
        f"{'item':<28} {'quantity':>14} {'unit':<18} {'USD / month':>11}",
    ]
    for item in result.items:
        lines.append(f"{item.service:<28} {item.quantity:>14,.1f} {item.unit:<18} {item.monthly_usd:>11.2f}")
    lines += [
        f"{'total':<62} {result.total_usd:>11.2f}",
        f"{'per round':<62} {result.per_run_usd:>11.5f}",
        "",
        f"CloudWatch Synthetics at $0.0012 per run on the same schedule: ${result.synthetics_monthly_usd:,.2f} / month"
        " (before the e-mail it would send)",
        *(f"note: {note}" for note in result.notes),
    ]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    workload = Workload(smtp_targets=args.smtp_targets, recipients=args.recipients, memory_mb=args.memory_mb)
    result = estimate(args.schedule, workload)
    if args.json:
        document = asdict(result) | {"total_usd": result.total_usd, "per_run_usd": result.per_run_usd}
        print(json_text(document))
    else:
        print(render(result))
    return 0
