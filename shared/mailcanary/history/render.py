"""`mailcanary history` as text: a heading line per round, a line per path with its latencies, then each failed
check with its evidence and the SES events the path received. Built from `view.round_view`, so the text and the
JSON always say the same thing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

__all__ = ["render_history"]


def _latency(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.0f} ms" if value < 10_000 else f"{value / 1000:.1f} s"


def _events(events: Sequence[dict[str, Any]]) -> str:
    """One entry per event type, in the order they first came: `Delivery x3 16:48:17 (3 rcpt)`."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for event in sorted(events, key=lambda each: each.get("timestamp") or ""):
        kind = event["type"] + (f" {event['bounce']}" if event.get("bounce") else "")
        grouped.setdefault(kind, []).append(event)
    parts = []
    for kind, same in grouped.items():
        times = sorted(each["timestamp"][11:19] for each in same if each.get("timestamp"))
        count = f" x{len(same)}" if len(same) > 1 else ""
        rcpts = sum(len(each["recipients"]) for each in same)
        parts.append(f"{kind}{count}{' ' + times[-1] if times else ''}" + (f" ({rcpts} rcpt)" if rcpts else ""))
    return ", ".join(parts)


def _round_lines(view: dict[str, Any]) -> list[str]:
    created = view["created_at"][:19].replace("T", " ")
    heading = f"{created}Z  {view['canary_id']}  {view['state'].upper()}"
    if view.get("artifacts"):
        heading += f"  artifacts {view['artifacts']}"
    lines = [heading]
    width = max((len(path["path"]) for path in view["paths"]), default=0)
    for path in view["paths"]:
        latency = path["latency_ms"]
        lines.append(
            f"  {path['path']:<{width}}  {path['state']:<7}  send {_latency(latency['send'])}, "
            f"delivery {_latency(latency['delivery'])}, arrival {_latency(latency['arrival'])}  ({path['target']})"
        )
        lines += [
            f"    FAIL {failed['check']}: {failed['detail'] or '(no detail)'}" for failed in path["failed_checks"]
        ]
        if path["events"]:
            lines.append(f"    SES events: {_events(path['events'])}")
    return lines


def render_history(document: dict[str, Any]) -> str:
    """The text of a `history_document`: the rounds oldest first, then one line of counts."""
    rounds = document["rounds"]
    if not rounds:
        return "no rounds in the window asked for"
    lines: list[str] = []
    for view in rounds:
        lines += _round_lines(view)
    counts = Counter(view["state"] for view in rounds)
    summary = ", ".join(
        f"{counts[state]} {state}" for state in ("passed", "failed", "lost", "pending") if counts[state]
    )
    lines.append(f"{len(rounds)} round{'s' if len(rounds) != 1 else ''}: {summary}")
    return "\n".join(lines)
