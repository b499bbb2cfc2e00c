"""VERP return addresses: `<prefix>+<canary id>=<path>@<domain>`, so a bounce names its canary and path by itself.

A path name (`api`, `smtp:<target>`) may hold `:` and `.`, which a local part's dot-atom cannot hold as they are,
so the path is escaped reversibly with `_` (`_` -> `__`, `:` -> `_c`, `.` -> `_d`): `smtp:mx.example` becomes
`smtp_cmx_dexample`. A local part is at most 64 octets (RFC 5321 §4.5.3.1.1): a longer one raises `VerpError`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mailcanary.arrival.errors import VerpError

__all__ = ["MAX_LOCAL_PART", "VerpAddress", "decode_verp", "encode_verp"]

MAX_LOCAL_PART = 64
_ESCAPES = {"_": "__", ":": "_c", ".": "_d"}
_UNESCAPES = {value[1]: key for key, value in _ESCAPES.items()}
_CANARY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_PATH = re.compile(r"[A-Za-z0-9._:-]{1,80}")
_PREFIX = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,30}")


@dataclass(frozen=True, slots=True)
class VerpAddress:
    """What a VERP return address says: whose canary, which path."""

    canary_id: str
    path_name: str


def encode_verp(prefix: str, domain: str, canary_id: str, path_name: str) -> str:
    """The return address (MAIL FROM) for one path of one canary; raises `VerpError` for a name that cannot fit."""
    if not _PREFIX.fullmatch(prefix) or not _CANARY_ID.fullmatch(canary_id) or not _PATH.fullmatch(path_name):
        raise VerpError(f"cannot make a VERP address from {prefix!r}, {canary_id!r}, {path_name!r}")
    local = f"{prefix}+{canary_id}={''.join(_ESCAPES.get(char, char) for char in path_name)}"
    if len(local) > MAX_LOCAL_PART:
        raise VerpError(f"VERP local part {local!r} is {len(local)} octets, over {MAX_LOCAL_PART}")
    return f"{local}@{domain}"


def decode_verp(address: str, prefix: str) -> VerpAddress:
    """The canary and path a return address names; raises `VerpError` when it is not one of ours."""
    local, at, _domain = address.strip().strip("<>").rpartition("@")
    head, plus, rest = local.partition("+")
    canary_id, equals, escaped = rest.partition("=")
    if not at or not plus or not equals or head.lower() != prefix.lower() or not _CANARY_ID.fullmatch(canary_id):
        raise VerpError(f"{address[:100]!r} is not a VERP address under {prefix!r}")
    path: list[str] = []
    chars = iter(escaped)
    for char in chars:
        if char != "_":
            path.append(char)
            continue
        code = next(chars, "")
        if code not in _UNESCAPES:
            raise VerpError(f"{address[:100]!r}: bad escape in the path")
        path.append(_UNESCAPES[code])
    path_name = "".join(path)
    if not _PATH.fullmatch(path_name):
        raise VerpError(f"{address[:100]!r} names no usable path")
    return VerpAddress(canary_id, path_name)
