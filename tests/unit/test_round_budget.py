"""The round's send budget: derived from the invocation's remaining time, and each path decided exactly once."""

from __future__ import annotations

import threading
import time

from mailcanary.core.checks import Check, PathKind
from mailcanary.round.budget import (
    AFTER_SENDS_RESERVE_SECONDS,
    DEFAULT_SECONDS,
    MIN_SECONDS,
    PathClaims,
    round_budget,
)
from mailcanary.round.paths import overran


def test_given_lambda_time_left_when_budgeted_then_the_reserve_is_kept_for_what_follows_the_sends() -> None:
    before = time.monotonic()
    budget = round_budget(120.0)
    assert budget.seconds == 120.0 - AFTER_SENDS_RESERVE_SECONDS
    assert before + budget.seconds <= budget.not_after <= time.monotonic() + budget.seconds
    assert 0 < budget.left() <= budget.seconds


def test_given_no_lambda_context_when_budgeted_then_the_default_applies() -> None:
    assert round_budget(None).seconds == DEFAULT_SECONDS


def test_given_almost_no_time_left_when_budgeted_then_the_paths_still_get_the_minimum() -> None:
    assert round_budget(AFTER_SENDS_RESERVE_SECONDS / 2).seconds == MIN_SECONDS


def test_given_paths_racing_the_close_when_claims_close_then_each_path_is_decided_by_exactly_one_side() -> None:
    # Given 50 path threads claiming while the round closes the claims
    claims = PathClaims()
    names = [f"smtp:{n}" for n in range(50)]
    claimed: set[str] = set()
    lock = threading.Lock()

    def claim(name: str) -> None:
        if claims.claim(name):
            with lock:
                claimed.add(name)

    threads = [threading.Thread(target=claim, args=(name,)) for name in names]
    for thread in threads[:25]:
        thread.start()
    for thread in threads[:25]:
        thread.join(timeout=5)
    # When the round stops waiting, and the other threads claim after it
    late = claims.close(names)
    for thread in threads[25:]:
        thread.start()
    for thread in threads[25:]:
        thread.join(timeout=5)
    # Then every path is either claimed by its thread or late for the round, never both, never neither
    assert claimed == set(names[:25])
    assert late == frozenset(names[25:])


def test_given_an_overrun_smtp_path_when_decided_then_its_transport_failed_as_timed_out() -> None:
    outcome = overran("smtp:slow", PathKind.SMTP, "slow", 12.0)
    [verdict] = outcome.verdicts
    assert (verdict.check, verdict.passed) == (Check.SMTP_TRANSPORT, False)
    assert "timed out" in verdict.detail
    assert not outcome.handed_over


def test_given_an_overrun_api_path_when_decided_then_ses_api_failed() -> None:
    [verdict] = overran("api", PathKind.API, "ses-api:us-east-1", 12.0).verdicts
    assert (verdict.check, verdict.passed) == (Check.SES_API, False)
