"""The demo's console output: a table of checks (path x check, one column per round), the failures with
their evidence, the canaries' final states, the metrics and the alerts produced.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from mailcanary.lab.results import CheckRow, DemoReport, Status

__all__ = ["render_report"]

ROUNDS_PER_BLOCK = 6
_CELL = {Status.PASS: "pass", Status.FAIL: "FAIL", Status.SKIP: "skip", Status.PENDING: "PENDING"}
_ORDER = [
    "ses.api",
    "smtp.transport",
    "smtp.sequence",
    "smtp.conformance",
    "recipients.header_vs_envelope",
    "recipients.delivered",
    "outcome",
    "lost",
]


def _family(check: str) -> str:
    return "outcome" if check.startswith("outcome") else check


def _sort_key(key: tuple[str, str]) -> tuple[str, int, str]:
    path, check = key
    return (path, _ORDER.index(check) if check in _ORDER else len(_ORDER), check)


def _cell(rows: Sequence[CheckRow]) -> str:
    if not rows:
        return "-"
    worst = next((row for row in rows if row.status is Status.FAIL), None) or next(
        (row for row in rows if row.status is Status.PENDING), rows[0]
    )
    text = _CELL[worst.status]
    latency = next((row.latency_ms for row in rows if row.latency_ms is not None), None)
    return f"{text} {latency:.0f} ms" if latency is not None else text


def _table(rows: Iterable[CheckRow], rounds: Sequence[int]) -> list[str]:
    cells: dict[tuple[str, str], dict[int, list[CheckRow]]] = {}
    for row in rows:
        cells.setdefault((row.path, _family(row.check)), {}).setdefault(row.round, []).append(row)
    keys = sorted(cells, key=_sort_key)
    lines: list[str] = []
    for start in range(0, len(rounds), ROUNDS_PER_BLOCK):
        block = rounds[start : start + ROUNDS_PER_BLOCK]
        table = [["path", "check", *(f"round {number}" for number in block)]]
        table += [[path, check, *(_cell(cells[(path, check)].get(n, [])) for n in block)] for path, check in keys]
        widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
        lines += [
            "  ".join(text.ljust(width) for text, width in zip(line, widths, strict=True)).rstrip() for line in table
        ]
        lines.append("")
    return lines


def render_report(report: DemoReport) -> str:
    """The human-readable report (stdout); progress went to stderr while it ran."""
    numbers = [each.number for each in report.rounds]
    lines = _table(report.rows, numbers)
    failures = [row for row in report.rows if row.status is Status.FAIL]
    if failures:
        lines.append("failed checks:")
        lines += [f"  round {row.round} {row.path} {row.check}: {row.detail or '(no detail)'}" for row in failures]
        lines.append("")
    states = [each.state for each in report.rounds]
    counts = ", ".join(
        f"{states.count(state)} {state}"
        for state in ("passed", "failed", "lost", "pending", "error")
        if states.count(state)
    )
    lines.append(f"canaries: {counts or 'none'}")
    lines.append("metrics (parsed from the handlers' EMF output):")
    for total in report.metrics:
        value = (
            f"{total.count}"
            if total.unit == "Count" and total.total == total.count
            else (
                f"{total.count} x, avg {total.total / total.count:.0f} ms"
                if total.unit == "Milliseconds"
                else f"{total.count} x, sum {total.total:g}"
            )
        )
        lines.append(f"  {total.label}  {value}")
    if not report.metrics:
        lines.append("  none")
    lines.append(f"alerts ({len(report.alerts)}):" if report.alerts else "alerts: none")
    lines += [f"  [round {alert.get('round', '?')}] {alert.get('subject')}" for alert in report.alerts]
    for error in report.crashed:
        lines.append(f"error: {error}")
    for detection in report.detections:
        expected = detection.fault.expected.value if detection.fault.expected else "nothing"
        verdict = "caught" if detection.ok else "NOT caught cleanly"
        note = f" ({detection.note})" if detection.note else ""
        lines.append(f"fault {detection.fault.name}: expected {expected}; {verdict}{note}")
    outcome = "PASS" if report.ok else "FAIL"
    title = "fault lab" if report.faults else "demo"
    lines.append(
        f"{title}: {outcome} ({len(numbers)} round{'s' if len(numbers) != 1 else ''} in {report.wall_seconds:.1f} s)"
    )
    return "\n".join(lines)
