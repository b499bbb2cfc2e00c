"""Where a path awaiting its arrived copy stands, from its recorded arrivals alone: which envelope recipients no
copy named yet, and what the checks found in the copies' own bytes. Read by the arrival decision and the sweep
(addresses in the one comparison form of `mailcanary.decide.evaluate.comparable`)."""

from __future__ import annotations

from mailcanary.decide.evaluate import comparable
from mailcanary.store import FailedCheck, PathRecord

__all__ = ["arrival_findings", "missing_copies"]


def missing_copies(path: PathRecord) -> tuple[str, ...]:
    """Envelope recipients of `path` no recorded copy names (in the one normaliser's form), sorted."""
    arrived = {comparable(address) for arrival in path.arrivals for address in arrival.envelope_recipients}
    return tuple(sorted({comparable(address) for address in path.envelope} - arrived))


def arrival_findings(path: PathRecord) -> tuple[FailedCheck, ...]:
    """What the checks found in the recorded copies' own bytes, each once."""
    return tuple(dict.fromkeys(found for arrival in path.arrivals for found in arrival.findings))
