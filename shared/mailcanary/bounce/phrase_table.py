"""An ordered table of phrase rules, looked up without testing every phrase against every text.

A rule is (phrases, reason); the first rule with a phrase in the text wins. Testing ~300 phrases with `in`
costs tens of microseconds per diagnostic, more than parsing a small message. Phrases of several words are
indexed by their first word and tested only when the text has that word; single-word phrases (which may be
word stems such as "throttl") are always tested. The answer is the same as the plain scan's, except that a
several-word phrase must begin at a word start ("no such user" is not found inside "casino such user").
"""

from __future__ import annotations

import re
from collections.abc import Sequence, Set
from typing import Generic, TypeVar

__all__ = ["PhraseTable", "words_of"]

T = TypeVar("T")
_WORD = re.compile(r"\w+")


class PhraseTable(Generic[T]):
    def __init__(self, rules: Sequence[tuple[tuple[str, ...], T]]) -> None:
        self._answers = [answer for _, answer in rules]
        self._by_word: dict[str, list[tuple[int, str]]] = {}
        self._always: list[tuple[int, str]] = []
        for index, (phrases, _) in enumerate(rules):
            for phrase in phrases:
                first = _WORD.match(phrase)
                if first is not None and first.end() < len(phrase):  # several words, starting with a word
                    self._by_word.setdefault(first.group(0), []).append((index, phrase))
                else:
                    self._always.append((index, phrase))
        self._first_words = frozenset(self._by_word)  # (a text's words meet them in one set operation)

    def first(self, text: str, words: Set[str] | None = None) -> T | None:
        """The answer of the first rule with a phrase in `text` (lower-cased by the caller); `words` is
        `words_of(text)` when the caller already has it (several tables reading one text tokenise it once)."""
        best = len(self._answers)
        for index, phrase in self._always:
            if index >= best:
                break  # (kept in rule order)
            if phrase in text:
                best = index
                break
        for word in self._first_words.intersection(words_of(text) if words is None else words):
            for index, phrase in self._by_word[word]:  # (in rule order: the first found is its best)
                if index >= best:
                    break
                if phrase in text:
                    best = index
                    break
        return self._answers[best] if best < len(self._answers) else None


def words_of(text: str) -> frozenset[str]:
    """The distinct words of a text, as the table indexes its phrases."""
    return frozenset(_WORD.findall(text))
