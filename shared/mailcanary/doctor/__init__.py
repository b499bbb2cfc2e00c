"""`mailcanary doctor`: read-only checks of a deployed stack and its account, one module per check group.

Each group module has `GROUP` (its first finding's name), `ACTIONS` (the read access it needs) and
`check(stack, clients, now) -> list[Finding]`; `run.run_doctor` runs them all. Clients are passed in as a
`(service, region) -> client` factory, never created here.
"""

from __future__ import annotations

from mailcanary.doctor.errors import DoctorError, StackNotReadableError
from mailcanary.doctor.model import ClientFactory, Finding, Stack, Status
from mailcanary.doctor.run import GROUPS, Report, run_doctor

__all__ = [
    "GROUPS",
    "ClientFactory",
    "DoctorError",
    "Finding",
    "Report",
    "Stack",
    "StackNotReadableError",
    "Status",
    "run_doctor",
]
