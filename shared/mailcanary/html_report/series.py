"""Success rates over time, per path and per check, from canary records (pure; no charting).

The records keep only the checks that failed, so a check counts as run on a decided path when it applies to the
path's kind: the send checks always, the checks that read SES's events only when the send went through (as the
demo's table shows `skip`). Pending paths are left out: they are not decided yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from mailcanary.core.checks import Check, PathKind
from mailcanary.store.records import CanaryRecord, PathRecord

__all__ = ["MAX_BUCKETS", "Buckets", "RateSeries", "check_family", "check_rates", "path_rates", "time_buckets"]

MAX_BUCKETS = 48  # points on a time axis; more rounds than this share a bucket
_SEND = {PathKind.API: Check.SES_API.value, PathKind.SMTP: Check.SMTP_TRANSPORT.value}
_AT_SEND = {
    PathKind.API: (Check.SES_API.value, Check.RECIPIENTS_HEADER_VS_ENVELOPE.value),
    PathKind.SMTP: (
        Check.SMTP_TRANSPORT.value,
        Check.SMTP_SEQUENCE.value,
        Check.RECIPIENTS_HEADER_VS_ENVELOPE.value,
    ),
}
_AFTER_SEND = (Check.RECIPIENTS_DELIVERED.value, "outcome", Check.LOST.value)


def check_family(name: str) -> str:
    """The row a check is charted on: every `outcome.*` check shares `outcome` (as in the demo's table)."""
    return "outcome" if name.startswith("outcome.") else name


@dataclass(frozen=True, slots=True)
class Buckets:
    """Equal slices of the time span the records cover, each labelled by its start."""

    labels: tuple[str, ...]
    index: dict[str, int]  # canary id -> bucket


@dataclass(frozen=True, slots=True)
class RateSeries:
    """One line of a success chart: the percentage of passes in each bucket (None: nothing decided there)."""

    name: str
    values: tuple[float | None, ...]
    runs: int
    failures: int


def _label(moment: datetime, with_date: bool) -> str:
    return moment.strftime("%m-%d %H:%M" if with_date else "%H:%M:%S")


def time_buckets(records: Sequence[CanaryRecord], limit: int = MAX_BUCKETS) -> Buckets:
    """At most `limit` equal slices from the first round's start to the last's, each round in exactly one."""
    if not records:
        return Buckets((), {})
    first = min(record.created_at for record in records)
    last = max(record.created_at for record in records)
    count = max(1, min(limit, len(records)))
    span = (last - first).total_seconds()
    width = span / count if span > 0 else 1.0
    with_date = first.date() != last.date()
    labels = tuple(_label(first + (last - first) * (i / count), with_date) for i in range(count))
    index = {
        record.canary_id: min(count - 1, int((record.created_at - first).total_seconds() / width)) for record in records
    }
    return Buckets(labels, index)


def _rates(passes: list[int], totals: list[int]) -> tuple[float | None, ...]:
    return tuple(None if total == 0 else round(100.0 * ok / total, 2) for ok, total in zip(passes, totals, strict=True))


def path_rates(records: Sequence[CanaryRecord], buckets: Buckets) -> tuple[RateSeries, ...]:
    """Per path name: the share of its decided rounds that passed, per bucket."""
    count = len(buckets.labels)
    passes: dict[str, list[int]] = {}
    totals: dict[str, list[int]] = {}
    for record in records:
        for path in record.paths:
            if not path.state.terminal:
                continue
            slot = buckets.index[record.canary_id]
            totals.setdefault(path.name, [0] * count)[slot] += 1
            passes.setdefault(path.name, [0] * count)[slot] += path.state.value == "passed"
    return tuple(
        RateSeries(name, _rates(passes[name], totals[name]), sum(totals[name]), sum(totals[name]) - sum(passes[name]))
        for name in sorted(totals)
    )


def _checks_run(path: PathRecord, failed: set[str]) -> tuple[str, ...]:
    """The checks that ran on a decided path: those of its kind, those that ran after a send, and any that failed."""
    sent = path.sent_at is not None and _SEND[path.kind] not in failed
    ran = list(_AT_SEND[path.kind]) + (list(_AFTER_SEND) if sent else [])
    return tuple(dict.fromkeys([*ran, *sorted(failed)]))


def check_rates(records: Sequence[CanaryRecord], buckets: Buckets) -> tuple[RateSeries, ...]:
    """Per check (outcome.* as one): the share of decided paths it ran on where it passed, per bucket."""
    count = len(buckets.labels)
    passes: dict[str, list[int]] = {}
    totals: dict[str, list[int]] = {}
    for record in records:
        slot = buckets.index[record.canary_id]
        for path in record.paths:
            if not path.state.terminal:
                continue
            failed = {check_family(each.check.value) for each in path.failed_checks}
            for check in _checks_run(path, failed):
                totals.setdefault(check, [0] * count)[slot] += 1
                passes.setdefault(check, [0] * count)[slot] += check not in failed
    return tuple(
        RateSeries(name, _rates(passes[name], totals[name]), sum(totals[name]), sum(totals[name]) - sum(passes[name]))
        for name in sorted(totals)
    )
