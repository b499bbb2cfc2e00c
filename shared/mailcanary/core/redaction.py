"""Secret masking for everything that leaves an SMTP session or the process: the one redaction.

Every sink — the SMTP transcript, error texts and failure replies, verdict details, log lines, alert bodies,
store records, the round summary and the CLI's output — goes through `redact` (or, inside a session, through
the same `SecretForms`), so one rule decides what is masked:
- every *form* of the SMTP credentials a hostile server could echo back (`SecretForms`): the password in any
  letter case, and base64 of the password, of the username, and of the AUTH PLAIN blob with or without an
  authzid — found anywhere inside a base64 run, even when a multi-line reply breaks it over two lines;
- values under secret-looking keys (password, secret, token, authorization, credentials, ...);
- SMTP `AUTH <mechanism> <initial-response>` arguments and AWS secret access keys in free text.

The forms are built once per session from the credentials; `register` also adds them to a process-wide set
that the logger, which has no session at hand, applies to every record.
"""

from __future__ import annotations

import base64
import functools
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["MASK", "NO_SECRETS", "SecretForms", "redact", "redact_text", "register", "register_secret"]

MASK = "*****"

# Key names whose values are secrets; `secret_arn`, `secret_name` and `secret_id` only name where a secret is.
_SECRET_KEY = re.compile(
    r"password|passwd|passphrase|secret(?!_?(arn|name|id)\b)|token|authori[sz]ation|credential|api_?key|private_?key",
    re.I,
)
# "AUTH PLAIN dGVzdAB0ZXN0AHRlc3Q=" / "AUTH LOGIN dXNlcg==" -> keep the mechanism, mask the argument.
_AUTH_ARGUMENT = re.compile(r"(\bAUTH\s+[A-Za-z0-9_-]+)\s+\S+", re.I)
# A 40-character AWS secret access key standing alone in text (access key ids are not secret); mixed case is
# required so that 40-digit hex digests are left alone.
_AWS_SECRET_KEY = re.compile(
    r"(?<![A-Za-z0-9/+=])(?=[A-Za-z0-9/+]{0,39}[A-Z])(?=[A-Za-z0-9/+]{0,39}[a-z])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])"
)
# What opens a continuation line of a reply (or of a rendered transcript): an arrow, the code, an RFC 3463 status.
_LINE_PREFIX = re.compile(r"(?:[-<~][-~>] )?\s*(?:\d{3}[ -])?(?:[245]\.\d{1,3}\.\d{1,3}\s+)?")
_BASE64 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")
_MIN_SECRET_LENGTH = 4  # shorter values would mask ordinary words
_SHORTEST_AUTH_ARGUMENT = len("AUTH X Y")


def _base64_cores(value: bytes) -> set[str]:
    """What base64 of any stream holding `value` must contain, whatever the byte offset of `value` in it.

    For each of the three alignments, the base64 characters made only of `value`'s bits (the characters that
    also carry bits of the neighbouring bytes differ from stream to stream and are left out).
    """
    cores = set()
    for offset in range(3):
        encoded = base64.b64encode(bytes(offset) + value).decode("ascii")
        start, end = -(-4 * offset // 3), 4 * (offset + len(value)) // 3
        if end - start >= _MIN_SECRET_LENGTH:
            cores.add(encoded[start:end])
    return cores


@dataclass(frozen=True)
class SecretForms:
    """Every form of a set of credentials that must never be shown, compiled into one pattern.

    `plain` values match in any letter case (a server may echo the password upper-cased); `encoded` values
    (base64) match exactly, and a match masks the whole base64 run around it (the rest of an AUTH PLAIN blob
    or of a base64 line).
    """

    plain: frozenset[str] = frozenset()
    encoded: frozenset[str] = frozenset()
    _pattern: re.Pattern[str] | None = field(init=False, repr=False, compare=False, default=None)
    _longest: int = field(init=False, repr=False, compare=False, default=0)

    def __post_init__(self) -> None:
        plain = sorted(self.plain, key=len, reverse=True)
        encoded = sorted(self.encoded, key=len, reverse=True)
        parts = [f"(?i:{'|'.join(map(re.escape, plain))})"] if plain else []
        parts += [re.escape(each) for each in encoded]
        object.__setattr__(self, "_pattern", re.compile("|".join(parts)) if parts else None)
        object.__setattr__(self, "_longest", max(map(len, (*plain, *encoded)), default=0))

    @classmethod
    def of(cls, username: str | None, passwords: Iterable[str]) -> SecretForms:
        """The forms of a username (its base64 only: a user name alone is not a secret) and its passwords.

        Base64 of the password covers the AUTH LOGIN password line and every AUTH PLAIN blob
        (`authzid NUL user NUL password`, whatever the authzid); base64 of the username the AUTH LOGIN
        username line.
        """
        plain = {each for each in passwords if len(each) >= _MIN_SECRET_LENGTH}
        encoded: set[str] = set()
        for each in plain:
            encoded |= _base64_cores(each.encode("utf-8"))
            if username:
                encoded |= _base64_cores(f"\0{username}\0{each}".encode())
        if username and len(username) >= _MIN_SECRET_LENGTH:
            encoded |= _base64_cores(username.encode("utf-8"))
        return cls(frozenset(plain), frozenset(encoded))

    def __bool__(self) -> bool:
        return self._pattern is not None

    def __or__(self, other: SecretForms) -> SecretForms:
        if other.plain <= self.plain and other.encoded <= self.encoded:
            return self
        return SecretForms(self.plain | other.plain, self.encoded | other.encoded)

    def scrub(self, text: str, mask: str = MASK) -> str:
        """`text` with every form masked; a text of several lines is also checked across each line break."""
        if self._pattern is None or not text:
            return text
        if "\n" in text:
            return "\n".join(self.scrub_lines(text.split("\n"), mask))
        if self._pattern.search(text) is None:
            return text
        return _masked(text, list(self._spans(text)), mask)

    def scrub_lines(self, lines: list[str], mask: str = MASK) -> list[str]:
        """The lines of one reply with every form masked, also a form broken over two consecutive lines."""
        pattern = self._pattern
        if pattern is None:
            return lines
        if len(lines) == 1:
            return [self.scrub(lines[0], mask)]
        bodies = [_body_start(line) for line in lines]
        # Fast path: every form, whole in one line or broken over two, is in one of these two strings.
        whole = "\n".join(lines)
        if pattern.search(f"{whole}\n{''.join(line[body:] for line, body in zip(lines, bodies, strict=True))}") is None:
            return lines
        spans: list[list[tuple[int, int]]] = [list(self._spans(line)) for line in lines]
        for i in range(len(lines) - 1):
            head, tail, body = lines[i], lines[i + 1], bodies[i + 1]
            joined = head + tail[body:]
            for match in pattern.finditer(joined, max(0, len(head) - self._longest + 1)):
                if match.start() < len(head) < match.end():
                    spans[i].append((match.start(), len(head)))
                    spans[i + 1].append((body, body + match.end() - len(head)))
        return [_masked(line, found, mask) if found else line for line, found in zip(lines, spans, strict=True)]

    def _spans(self, text: str) -> Iterable[tuple[int, int]]:
        assert self._pattern is not None
        return (match.span() for match in self._pattern.finditer(text))


NO_SECRETS = SecretForms()


def _body_start(line: str) -> int:
    """Where a reply line's text starts, after its arrow, code and enhanced status code."""
    skip = _LINE_PREFIX.match(line)
    return skip.end() if skip else 0


def _masked(text: str, spans: list[tuple[int, int]], mask: str) -> str:
    """`text` with each span, widened to the base64 run it sits in, replaced by one `mask`."""
    widened = []
    for start, end in spans:
        while start > 0 and text[start - 1] in _BASE64:
            start -= 1
        while end < len(text) and text[end] in _BASE64:
            end += 1
        widened.append((start, end))
    widened.sort()
    out, at = [], 0
    for start, end in widened:
        if end <= at:
            continue  # inside a span already masked
        if start >= at:
            out += [text[at:start], mask]
        at = end
    out.append(text[at:])
    return "".join(out)


_registered = NO_SECRETS
_lock = threading.Lock()


def register(forms: SecretForms) -> None:
    """Mask `forms` in every later log record and published document of this process."""
    global _registered
    with _lock:
        _registered = _registered | forms


def register_secret(value: str) -> None:
    """Mask every later occurrence of `value` (in any case, and in base64) in logs and alerts."""
    register(SecretForms.of(None, (value,)))


def redact_text(text: str, forms: SecretForms = NO_SECRETS) -> str:
    """`text` with the registered and given secret forms, AUTH arguments and AWS secret keys masked."""
    text = forms.scrub(_registered.scrub(text)) if forms else _registered.scrub(text)
    if len(text) >= _SHORTEST_AUTH_ARGUMENT and "auth" in text.lower():  # the cheap test spares most regex runs
        text = _AUTH_ARGUMENT.sub(rf"\1 {MASK}", text)
    return _AWS_SECRET_KEY.sub(MASK, text) if len(text) >= 40 else text


@functools.lru_cache(maxsize=1024)
def _secret_key(key: str) -> bool:
    """Whether values under `key` are secrets (log records repeat the same few keys: decided once each)."""
    return _SECRET_KEY.search(key) is not None


def redact(value: Any, forms: SecretForms = NO_SECRETS) -> Any:
    """The boundary function: a copy of `value` (JSON-like: dicts, lists, tuples, strings) with every secret
    masked. Every sink that shows or stores what a session produced calls this."""
    if isinstance(value, str):
        return redact_text(value, forms)
    if isinstance(value, Mapping):
        return {
            key: MASK if isinstance(key, str) and _secret_key(key) and item else redact(item, forms)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact(item, forms) for item in value]
    return value
