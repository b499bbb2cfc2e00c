"""`Authentication-Results` (RFC 8601): the receiving host's SPF, DKIM and DMARC verdicts for a mailbox copy.

Anybody upstream can write an `Authentication-Results` field claiming any host, so only fields whose authserv-id
equals the configured receiving host are read, and of those only the ones the host itself added: when a
`Received` field names the host in its `by` clause, fields below the next `Received` under the lowest such one
were already in the message when it reached the host, and are ignored (RFC 8601 §5 also asks the host to
delete such forgeries; not all do). Among the trusted fields the topmost that reports a method decides it; for
`dkim` any passing signature in that field passes. Comments and quoted strings are honoured when splitting;
every input is bounded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import compat32

from mailcanary.arrival.model import AuthVerdict

__all__ = [
    "AUTH_METHODS",
    "MAX_FIELDS",
    "AuthResults",
    "parse_authentication_results",
    "receiver_verdicts",
]

AUTH_METHODS = ("spf", "dkim", "dmarc")
MAX_FIELDS = 500  # header fields scanned per message
MAX_VALUE_CHARS = 8_000  # of one Authentication-Results value
MAX_HEADER_BYTES = 256 * 1024  # of the header block
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_RESINFO = re.compile(r"\s*([A-Za-z0-9_.-]+)\s*(?:/\s*[0-9]+\s*)?=\s*([A-Za-z0-9_-]+)")
_RECEIVED_BY = re.compile(r"\bby\s+([^\s;()]+)", re.IGNORECASE)
# RFC 8601 result keywords, and the older ones receivers still write, onto our verdicts.
_RESULTS = {
    "pass": AuthVerdict.PASS,
    "fail": AuthVerdict.FAIL,
    "softfail": AuthVerdict.FAIL,
    "hardfail": AuthVerdict.FAIL,
    "policy": AuthVerdict.FAIL,
    "none": AuthVerdict.NONE,
    "neutral": AuthVerdict.NEUTRAL,
    "temperror": AuthVerdict.TEMPERROR,
    "permerror": AuthVerdict.PERMERROR,
}


@dataclass(frozen=True, slots=True)
class AuthResults:
    """One parsed field: who wrote it and each `method=result` in order (both lower-cased)."""

    authserv_id: str
    results: tuple[tuple[str, str], ...]


def _without_comments(value: str) -> list[str]:
    """The value split at `;` outside quoted strings and comments, comments dropped (nesting and escapes kept)."""
    pieces: list[str] = []
    current: list[str] = []
    depth = 0
    quoted = escaped = False
    for char in value[:MAX_VALUE_CHARS]:
        if escaped:
            escaped = False
            if depth == 0:
                current.append(char)
        elif char == "\\" and (quoted or depth):
            escaped = True
        elif quoted:
            quoted = char != '"'
            current.append(char)
        elif char == "(":
            depth += 1
        elif char == ")" and depth:
            depth -= 1
        elif depth:
            continue
        elif char == '"':
            quoted = True
            current.append(char)
        elif char == ";":
            pieces.append("".join(current))
            current = []
        else:
            current.append(char)
    pieces.append("".join(current))
    return pieces


def parse_authentication_results(value: str) -> AuthResults | None:
    """One field's authserv-id and results; None when it names no authserv-id."""
    first, *rest = _without_comments(_FOLD.sub("", value))
    words = first.split()
    if not words:
        return None
    authserv_id = words[0].strip('"').lower()
    results: list[tuple[str, str]] = []
    for piece in rest:
        matched = _RESINFO.match(piece)
        if matched:
            results.append((matched[1].lower(), matched[2].lower()))
    return AuthResults(authserv_id, tuple(results))


def receiver_verdicts(raw: bytes, authserv_id: str) -> dict[str, AuthVerdict]:
    """SPF, DKIM and DMARC verdicts the receiving host `authserv_id` wrote into this copy; a method it did not
    report (or a copy with no trusted field) is absent from the result."""
    trusted = authserv_id.strip().lower()
    fields = _header_fields(raw)
    received = [index for index, (name, _) in enumerate(fields) if name == "received"]
    own = [index for index in received if _received_by(fields[index][1]) == trusted]
    # Fields up to the next Received below the host's lowest own one are the host's (Gmail writes its
    # Authentication-Results just below its Received); what lies further down was written upstream.
    upstream = [index for index in received if own and index > own[-1]]
    boundary = upstream[0] if upstream else len(fields)
    verdicts: dict[str, AuthVerdict] = {}
    for name, value in fields[:boundary]:
        if name != "authentication-results":
            continue
        parsed = parse_authentication_results(value)
        if parsed is None or parsed.authserv_id != trusted:
            continue
        for method in AUTH_METHODS:
            if method in verdicts:
                continue
            found = [_RESULTS.get(result) for each, result in parsed.results if each == method]
            known = [verdict for verdict in found if verdict is not None]
            if known:
                verdicts[method] = AuthVerdict.PASS if AuthVerdict.PASS in known else known[0]
    return verdicts


def _received_by(value: str) -> str:
    by = _RECEIVED_BY.search(value)
    return by[1].lower().rstrip(".") if by else ""


def _header_fields(raw: bytes) -> list[tuple[str, str]]:
    """The first `MAX_FIELDS` header fields, names lower-cased, values unfolded (never raises on content)."""
    message = BytesHeaderParser(policy=compat32).parsebytes(raw[:MAX_HEADER_BYTES], headersonly=True)
    return [(str(name).lower(), _FOLD.sub("", str(value))) for name, value in message.items()[:MAX_FIELDS]]
