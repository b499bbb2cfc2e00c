"""One self-contained HTML page: inline CSS, inline SVG charts, no script and nothing fetched.

Every text that comes from a record (evidence quotes what remote servers said) is escaped, and the page's
Content-Security-Policy forbids scripts and every request, so even a text that got through could not run or call
out. The page opens offline from a file.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from mailcanary.html_report.charts import latency_chart, rate_chart
from mailcanary.html_report.latency import MEASURES, latency_stats
from mailcanary.html_report.model import Arrival, MatrixRow
from mailcanary.html_report.series import check_rates, path_rates, time_buckets
from mailcanary.html_report.timeline import Failure, failures
from mailcanary.store.records import CanaryRecord

__all__ = ["CSP", "MAX_FAILURES_SHOWN", "render_html"]

MAX_FAILURES_SHOWN = 500  # the newest; the page says how many more there were
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:2rem auto;max-width:960px;
color:#1b1f24;padding:0 1rem}
h1{font-size:1.5rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #d0d7de}
.meta{color:#57606a;margin-top:0}table{border-collapse:collapse;width:100%;font-size:.85rem}
th,td{border:1px solid #d0d7de;padding:.3rem .45rem;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.evidence{font-family:ui-monospace,"DejaVu Sans Mono",monospace;white-space:pre-wrap;
word-break:break-word}.pass,.ok{background:#dafbe1}.fail,.bad{background:#ffebe9}.lost{background:#fff8c5}
.summary span{display:inline-block;margin-right:1rem}figure{margin:1rem 0}svg{max-width:100%;height:auto}
"""


def _text(value: object) -> str:
    """Escaped for HTML text and attributes; control characters shown as escapes, never raw."""
    raw = str(value).encode("utf-8", "backslashreplace").decode("utf-8")
    return html.escape(_CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", raw), quote=True)


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _summary(records: Sequence[CanaryRecord]) -> str:
    if not records:
        return '<p class="summary">No canary rounds in this window.</p>'
    states = Counter(record.state.value for record in records)
    first = min(record.created_at for record in records)
    last = max(record.created_at for record in records)
    counts = "".join(f'<span class="{_text(state)}">{_text(state)}: {count}</span>' for state, count in states.items())
    return (
        f'<p class="summary"><span>{len(records)} rounds from {_text(_when(first))} to {_text(_when(last))}</span>'
        f"{counts}</p>"
    )


def _figure(svg: str, caption: str) -> str:
    return f"<figure>{svg}<figcaption>{_text(caption)}</figcaption></figure>"


def _rates_section(records: Sequence[CanaryRecord]) -> str:
    buckets = time_buckets(records)
    paths = rate_chart("Success rate per path (%)", buckets.labels, path_rates(records, buckets))
    checks = rate_chart("Success rate per check (%)", buckets.labels, check_rates(records, buckets))
    note = "Each point is the share of decided rounds in that slice of time; pending rounds are left out."
    return (
        '<section id="success"><h2>Success over time</h2>'
        + _figure(paths, note)
        + _figure(checks, "A check counts where it ran: the checks that read SES's events only after a send.")
        + "</section>"
    )


def _latency_section(records: Sequence[CanaryRecord], arrivals: Iterable[Arrival]) -> str:
    stats = latency_stats(records, arrivals)
    parts = ['<section id="latency"><h2>Latency per target (p50, p99)</h2>']
    for measure in MEASURES:
        chosen = [each for each in stats if each.measure == measure]
        if chosen:
            parts.append(_figure(latency_chart(f"{measure} latency (s)", chosen), f"{measure}: nearest-rank p50/p99"))
    rows = "".join(
        f"<tr><td>{_text(s.measure)}</td><td>{_text(s.target)}</td><td>{s.count}</td>"
        f"<td>{s.p50:.3f}</td><td>{s.p99:.3f}</td></tr>"
        for s in stats
    )
    parts.append(
        "<table><tr><th>measure</th><th>target</th><th>samples</th><th>p50 (s)</th><th>p99 (s)</th></tr>"
        + (rows or '<tr><td colspan="5">no latency samples</td></tr>')
        + "</table></section>"
    )
    return "".join(parts)


def _failure_row(failure: Failure) -> str:
    path = failure.path or "(canary)"
    return (
        f'<tr class="fail"><td>{_text(_when(failure.at))}</td><td>{_text(failure.canary_id)}</td>'
        f"<td>{_text(path)}</td><td>{_text(failure.target)}</td><td>{_text(failure.check)}</td>"
        f'<td class="evidence">{_text(failure.detail)}</td></tr>'
    )


def _failures_section(records: Sequence[CanaryRecord]) -> str:
    found = failures(records)
    shown = found[-MAX_FAILURES_SHOWN:]
    more = len(found) - len(shown)
    head = f"<p>{more} older failed checks not shown.</p>" if more else ""
    rows = "".join(_failure_row(each) for each in shown) or '<tr><td colspan="6">no failed check</td></tr>'
    return (
        f'<section id="failures"><h2>Failed checks ({len(found)})</h2>{head}'
        "<table><tr><th>decided</th><th>canary</th><th>path</th><th>target</th><th>check</th><th>evidence</th></tr>"
        f"{rows}</table></section>"
    )


def _matrix_section(matrix: Sequence[MatrixRow]) -> str:
    if not matrix:
        return ""
    musts = {row.expected for row in matrix if row.expected}
    checks = sorted({check for row in matrix for check in row.failed} | musts)
    head = "".join(f"<th>{_text(check)}</th>" for check in checks)
    body = []
    for row in matrix:
        cells = []
        for check in checks:
            failed = check in row.failed
            if check == row.expected:
                cells.append('<td class="ok">caught</td>' if failed else '<td class="bad">missed</td>')
            else:
                cells.append('<td class="bad">failed</td>' if failed else "<td></td>")
        verdict = '<td class="ok">ok</td>' if row.ok else '<td class="bad">NOT OK</td>'
        expected = row.expected or "(nothing may fail)"
        body.append(
            f"<tr><th>{_text(row.fault)}</th><td>{_text(expected)}</td>{''.join(cells)}{verdict}"
            f"<td>{_text(row.note)}</td></tr>"
        )
    caught = sum(1 for row in matrix if row.ok)
    return (
        f'<section id="matrix"><h2>Fault lab: detection matrix ({caught}/{len(matrix)} caught by their own check)'
        f"</h2><table><tr><th>fault</th><th>must be caught by</th>{head}<th>result</th><th>note</th></tr>"
        + "".join(body)
        + "</table></section>"
    )


def render_html(
    records: Sequence[CanaryRecord],
    *,
    title: str = "mailcanary report",
    matrix: Sequence[MatrixRow] = (),
    arrivals: Iterable[Arrival] = (),
    generated_at: datetime | None = None,
) -> str:
    """The whole report as one HTML document (a str): charts, latency, failed checks and the fault matrix."""
    ordered = sorted(records, key=lambda record: (record.created_at, record.canary_id))
    made = _when(generated_at or datetime.now(UTC))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_text(CSP)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_text(title)}</title><style>{_STYLE}</style></head><body>"
        f'<h1>{_text(title)}</h1><p class="meta">generated {_text(made)}</p>'
        + _summary(ordered)
        + _rates_section(ordered)
        + _latency_section(ordered, arrivals)
        + _failures_section(ordered)
        + _matrix_section(matrix)
        + "</body></html>\n"
    )
