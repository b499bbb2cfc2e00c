"""Our own DKIM verification of an arrived copy's bytes (dkimpy), with the key lookup injectable.

A copy passes when any of its first `MAX_SIGNATURES` DKIM-Signature fields verifies; otherwise the outcome says
why: `none` (unsigned), `temperror` (the key lookup failed for now: DNS timeout, no name server answered) or
`fail` with the reason (body hash mismatch, a signed header changed, no key published, a malformed signature).
dkimpy reports most failures only to its logger; the lookup is wrapped here so that a missing key and a DNS
failure are told apart, and its exceptions are translated. Input over `MAX_ARRIVED_BYTES` is not read.

`dnsfunc` has dkimpy's shape: `(name: bytes, timeout: float) -> bytes | None` (the TXT record, None when there
is none). `resolver_dnsfunc` makes one from dnspython for given name servers (a lab's dnsmasq on a high port,
or the system's resolvers by default); unit tests pass a stub.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from collections.abc import Callable, Sequence
from typing import Any

from mailcanary.arrival.model import MAX_ARRIVED_BYTES, ArrivedMessage, DkimResult, DkimStatus

__all__ = [
    "MAX_SIGNATURES",
    "DnsFunc",
    "DnsTemporaryError",
    "resolver_dnsfunc",
    "verify_dkim",
    "with_own_dkim",
]

DnsFunc = Callable[..., bytes | None]
MAX_SIGNATURES = 5  # signatures tried per copy: a relay may add its own, a hostile message may add hundreds
DNS_TIMEOUT_SECONDS = 3.0
_SIGNATURE_FIELD = b"dkim-signature"


class DnsTemporaryError(Exception):
    """Raised by a `dnsfunc` when the key could not be looked up now (timeout, no name server): `temperror`."""


def resolver_dnsfunc(
    nameservers: Sequence[str] | None = None, *, port: int = 53, timeout: float = DNS_TIMEOUT_SECONDS
) -> DnsFunc:
    """A dkimpy `dnsfunc` asking these name servers (the system's when None) over dnspython, bounded in time.

    NXDOMAIN and an empty answer are "no key" (None); a timeout or no usable answer from any server raises
    `DnsTemporaryError`.
    """
    import dns.exception
    import dns.rdatatype
    import dns.resolver

    resolver = dns.resolver.Resolver(configure=nameservers is None)
    if nameservers is not None:
        resolver.nameservers = list(nameservers)
    resolver.port = port

    def lookup(name: bytes, timeout: float = timeout) -> bytes | None:
        try:
            answer = resolver.resolve(
                name.decode("ascii", "replace"), dns.rdatatype.TXT, lifetime=min(timeout, DNS_TIMEOUT_SECONDS)
            )
        except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
            return None
        except dns.exception.DNSException as exc:  # Timeout, NoNameservers, LifetimeTimeout, ...
            raise DnsTemporaryError(f"{type(exc).__name__}: {exc}") from exc
        for record in answer:
            return b"".join(record.strings)  # a TXT rdata
        return None

    return lookup


def verify_dkim(raw: bytes, dnsfunc: DnsFunc) -> DkimResult:
    """Verify the copy's DKIM signatures; never raises on content (each failure is a `DkimResult`)."""
    if len(raw) > MAX_ARRIVED_BYTES:
        return DkimResult(DkimStatus.FAIL, f"{len(raw)} bytes: over the {MAX_ARRIVED_BYTES}-byte limit, not verified")
    ends = [at for at in (raw.find(b"\r\n\r\n"), raw.find(b"\n\n")) if at >= 0]
    if _SIGNATURE_FIELD not in raw[: min(ends, default=len(raw))].lower():  # unsigned: dkimpy need not parse it
        return DkimResult(DkimStatus.NONE, "no DKIM-Signature field")
    import dkim  # dkimpy: loaded only when a signed copy is verified

    lookups = _Lookups(dnsfunc)
    try:
        verifier = dkim.DKIM(bytes(raw), logger=_quiet_logger(), timeout=DNS_TIMEOUT_SECONDS)
    except (dkim.DKIMException, ValueError, IndexError) as exc:
        return DkimResult(DkimStatus.FAIL, f"unreadable message: {exc}")
    count = [name.lower() for name, _ in verifier.headers].count(_SIGNATURE_FIELD)
    if count == 0:
        return DkimResult(DkimStatus.NONE, "no DKIM-Signature field")
    first: DkimResult | None = None
    for index in range(min(count, MAX_SIGNATURES)):
        result = _verify_one(verifier, index, lookups, dkim)
        if result.status is DkimStatus.PASS:
            return result
        first = first or result
    assert first is not None
    return first


def _verify_one(verifier: Any, index: int, lookups: _Lookups, dkim: Any) -> DkimResult:
    domain = selector = ""
    lookups.reset()
    try:
        ok = verifier.verify(idx=index, dnsfunc=lookups)
        domain, selector = _tag(verifier, "domain"), _tag(verifier, "selector")
    except dkim.DKIMException as exc:
        domain, selector = _tag(verifier, "domain"), _tag(verifier, "selector")
        return DkimResult(DkimStatus.FAIL, f"{type(exc).__name__}: {exc}"[:300], domain, selector)
    except (ValueError, TypeError, IndexError, KeyError, UnicodeError) as exc:  # dkimpy on hostile tag values
        return DkimResult(DkimStatus.FAIL, f"malformed signature: {type(exc).__name__}", domain, selector)
    if ok:
        return DkimResult(DkimStatus.PASS, "signature verified", domain, selector)
    if lookups.temporary:
        return DkimResult(DkimStatus.TEMPERROR, f"key lookup failed: {lookups.temporary}", domain, selector)
    if lookups.missing:
        return DkimResult(DkimStatus.FAIL, f"no public key at {lookups.missing}", domain, selector)
    return DkimResult(DkimStatus.FAIL, "signature does not verify (a signed header changed?)", domain, selector)


def _tag(verifier: Any, name: str) -> str:
    value = getattr(verifier, name, b"")
    return value.decode("ascii", "replace")[:255] if isinstance(value, bytes) else ""


class _Lookups:
    """Wraps a `dnsfunc` to remember a missing key or a temporary failure (dkimpy only logs them)."""

    def __init__(self, dnsfunc: DnsFunc) -> None:
        self._dnsfunc = dnsfunc
        self.reset()

    def reset(self) -> None:
        self.missing = ""
        self.temporary = ""

    def __call__(self, name: bytes, timeout: float = DNS_TIMEOUT_SECONDS) -> bytes | None:
        import dkim

        try:
            found = self._dnsfunc(name, timeout=timeout)
        except DnsTemporaryError as exc:
            self.temporary = str(exc)[:200]
            raise dkim.DnsTimeoutError(self.temporary) from exc
        if not found:
            self.missing = name.decode("ascii", "replace")[:255]
        return found


@functools.cache
def _quiet_logger() -> logging.Logger:
    """dkimpy logs every failure at error level; the result carries the reason, so its logger says nothing."""
    logger = logging.getLogger("mailcanary.arrival.dkimpy")
    logger.propagate = False
    if not logger.handlers:
        logger.addHandler(logging.NullHandler())
    return logger


def with_own_dkim(copy: ArrivedMessage, dnsfunc: DnsFunc) -> ArrivedMessage:
    """The copy with `dkim` set to our verification of its bytes (what `delivery.authentication` reads)."""
    return dataclasses.replace(copy, dkim=verify_dkim(copy.raw, dnsfunc))
