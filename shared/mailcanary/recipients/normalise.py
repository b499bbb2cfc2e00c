"""The comparison form of an address: local part exactly as given, domain lower-case and IDNA-encoded.

Local parts are case-sensitive (RFC 5321 §2.4) and a `+label` is how a canary recognises its own mail, so
both are preserved. Domains are case-insensitive and may arrive as Unicode or as A-labels; both compare
as the lower-case A-label of IDNA 2008 with UTS #46 mapping (the `idna` package), non-transitional: `straße.de`
stays `xn--strae-oqa.de`, a different domain from `strasse.de` (the standard library's IDNA 2003 codec maps
one onto the other). Parsing is the standard library's (`email.headerregistry`); this module only refuses
what must never reach a header or an API call.

This is the one address normaliser: the send-time check (`recipients.header_vs_envelope`), the comparison with
what SES delivered (`recipients.delivered`, `mailcanary.decide.evaluate`) and the guard all use it.
"""

from __future__ import annotations

from email import policy
from email.headerregistry import Address
from functools import lru_cache

from mailcanary.recipients.errors import RecipientAddressError, RecipientInjectionError
from mailcanary.recipients.limits import MAX_PARSER_CHARS
from mailcanary.recipients.simple import simple_address

__all__ = [
    "FORBIDDEN_CHARACTERS",
    "has_injection",
    "normalise",
    "normalise_domain",
    "normalise_parts",
    "printable",
    "to_address",
]

FORBIDDEN_CHARACTERS = frozenset("\r\n\x00")


def has_injection(value: str) -> bool:
    """True when `value` carries CR, LF or NUL: what header injection needs."""
    return not FORBIDDEN_CHARACTERS.isdisjoint(value)


@lru_cache(maxsize=4096)
def normalise_domain(domain: str) -> str:
    """Lower-case A-label form of a domain; a domain literal (`[192.0.2.1]`) is only lower-cased.

    Cached: a handful of domains recur across every message (a bad domain raises, and is not cached).
    """
    lowered = domain.lower()
    if lowered.startswith("["):
        return lowered
    try:
        if lowered.isascii() and "xn--" not in lowered:
            # ASCII labels: IDNA 2003 and 2008 agree; the codec only checks each label's length
            return lowered.encode("idna").decode("ascii")
        import idna  # only for a Unicode domain or an A-label: most rounds never load its tables

        return idna.encode(domain, uts46=True).decode("ascii")
    except UnicodeError as exc:  # idna.IDNAError is a UnicodeError
        raise RecipientAddressError(f"domain {domain!r} is not a valid (internationalised) domain name") from exc


def normalise_parts(username: str, domain: str) -> str:
    """The comparison form of a parsed mailbox: local part as given (re-quoted where needed), domain normalised."""
    if has_injection(username) or has_injection(domain):
        raise RecipientInjectionError(f"{username}@{domain}")
    if not username or not domain:
        raise RecipientAddressError(f"{username}@{domain} lacks a local part or a domain")
    return Address(username=username, domain=normalise_domain(domain)).addr_spec


def to_address(value: str) -> Address:
    """Parse one mailbox (`local@domain` or `Name <local@domain>`) with the header registry, defects refused."""
    if has_injection(value):
        raise RecipientInjectionError(value)
    if len(value) > MAX_PARSER_CHARS:  # the registry's time grows with the square of the length
        raise RecipientAddressError(f"{value[:80]!r}... is {len(value)} characters, over {MAX_PARSER_CHARS}")
    text = value.strip()
    plain = simple_address(text)  # exactly what the registry would give, when the mailbox is that plain
    if plain is not None:
        return plain
    try:
        return Address(addr_spec=text)
    except Exception:  # noqa: S110 - not a bare addr-spec (the parser raises various types): try a mailbox list
        pass
    try:
        header = policy.default.header_factory("To", text)
    except Exception as exc:  # the registry's parser can raise (e.g. IndexError) on hostile input
        raise RecipientAddressError(f"{value!r} is not an address ({type(exc).__name__})") from exc
    mailboxes = header.addresses
    if header.defects or len(mailboxes) != 1 or not mailboxes[0].username or not mailboxes[0].domain:
        reason = "; ".join(str(defect) for defect in header.defects) or f"{len(mailboxes)} mailboxes"
        raise RecipientAddressError(f"{value!r} is not one well-formed address ({reason})")
    address: Address = mailboxes[0]
    return address


def normalise(address: str | Address) -> str:
    """The comparison form of one address; raises `RecipientInjectionError` or `RecipientAddressError`."""
    parsed = to_address(address) if isinstance(address, str) else address
    return normalise_parts(parsed.username, parsed.domain)


def printable(text: str) -> str:
    """Evidence safe to print or log: undecodable bytes (kept as surrogates) shown as \\xNN escapes."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
