"""The indexed phrase table answers as the plain first-rule scan does, for text made of words."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from mailcanary.bounce.phrase_table import PhraseTable
from mailcanary.bounce.reason_phrases import GENERIC, SPECIFIC
from mailcanary.bounce.taxonomy import Reason

PHRASES = sorted({phrase for rules in (SPECIFIC, GENERIC) for phrases, _ in rules for phrase in phrases})
FILLER = ["550", "5.1.1", "the", "mail", "server", "said", "<user@example.net>", "(in", "reply)", "-", "please"]


def _plain(rules: tuple[tuple[tuple[str, ...], Reason], ...], text: str) -> Reason | None:
    return next((reason for phrases, reason in rules if any(p in text for p in phrases)), None)


@settings(max_examples=300, deadline=timedelta(seconds=2))
@given(st.lists(st.sampled_from(PHRASES + FILLER), max_size=12))
def test_property_indexed_table_agrees_with_the_plain_scan(words: list[str]) -> None:
    # Given a diagnostic made of known phrases and filler words, separated by blanks
    text = " ".join(words)
    # When both tables look it up / Then they name the same reason
    for rules in (SPECIFIC, GENERIC):
        assert PhraseTable(rules).first(text) == _plain(rules, text)


def test_given_no_phrase_when_looked_up_then_none() -> None:
    assert PhraseTable(SPECIFIC).first("250 2.0.0 ok queued as 12345") is None
