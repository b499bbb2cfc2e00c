"""A wrapper that keeps a secret (an SMTP password, a key) out of reprs, str(), f-strings, logs and JSON.

Only `reveal()` gives the value back, so every place that really needs it is easy to find; anything that
prints, logs or serialises a `Secret` by accident shows `<redacted>`.
"""

from __future__ import annotations

__all__ = ["REDACTED", "Secret"]

REDACTED = "<redacted>"


class Secret:
    """A string that never shows itself unless asked with `reveal()`."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The secret itself: call only where it is sent to the service that needs it."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret({REDACTED!r})"

    def __str__(self) -> str:
        return REDACTED

    def __format__(self, format_spec: str) -> str:
        return REDACTED

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash((Secret, self._value))

    def __bool__(self) -> bool:
        return bool(self._value)

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a Secret cannot be pickled")
