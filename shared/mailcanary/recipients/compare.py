"""Compare the recipient sets of one send: intended, MIME header, envelope and (later) delivered.

The envelope is what *we* handed over: the API `Destinations` or the RCPT TO addresses the server accepted.
It is never read back from a test double: moto records `Destinations` merged with the header recipients,
while real SES is reported to deliver to `Destinations` only, so only our own record of the call is used.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from mailcanary.recipients.errors import RecipientAddressError, RecipientInjectionError
from mailcanary.recipients.limits import MAX_ADDRESSES, MAX_PARSER_CHARS, Oversize
from mailcanary.recipients.model import (
    SES_RECIPIENT_LIMIT,
    Finding,
    FindingKind,
    HeaderRecipients,
    RecipientPlan,
)
from mailcanary.recipients.normalise import normalise, printable

__all__ = ["compare", "normalise_envelope"]


def normalise_envelope(
    entries: Iterable[str], where: str = "envelope", known: Mapping[str, str] | None = None
) -> tuple[tuple[str, ...], list[Finding]]:
    """Normalised envelope addresses, plus a finding for each entry that is injected or defective.

    `known` maps addr-specs already parsed without defect (from the headers) to their normalised form, so
    an envelope entry spelled exactly like a header address is not parsed a second time.
    """
    addresses: list[str] = []
    findings: list[Finding] = []
    for index, entry in enumerate(entries):
        if index == MAX_ADDRESSES:
            oversize = Oversize("MAX_ADDRESSES", where, index + 1, MAX_ADDRESSES)
            findings.append(Finding(FindingKind.TOO_LARGE, str(index + 1), where, str(oversize)))
            break
        if len(entry) > MAX_PARSER_CHARS:
            oversize = Oversize("MAX_PARSER_CHARS", where, len(entry), MAX_PARSER_CHARS)
            findings.append(Finding(FindingKind.TOO_LARGE, printable(entry[:80]), where, str(oversize)))
            continue
        if known is not None and entry in known:
            addresses.append(known[entry])
            continue
        try:
            addresses.append(normalise(entry))
        except RecipientInjectionError:
            findings.append(Finding(FindingKind.INJECTION_ATTEMPT, repr(entry), where, "CR, LF or NUL in address"))
        except RecipientAddressError as exc:
            findings.append(Finding(FindingKind.DEFECTIVE_ADDRESS, printable(entry), where, str(exc)))
    return tuple(addresses), findings


def compare(
    *,
    intended: RecipientPlan | None,
    header: HeaderRecipients,
    envelope: Sequence[str] | None,
    delivered: Sequence[str] | None = None,
    limit: int = SES_RECIPIENT_LIMIT,
) -> tuple[Finding, ...]:
    """Every inconsistency between the recipient sets, sorted; empty when they agree.

    `envelope=None` means the call named no envelope (SendRawEmail without `Destinations`): SES then takes
    the recipients from the headers, so header-vs-envelope findings do not apply. A blind copy (envelope
    only) is accepted when `intended` lists it as Bcc; with no intent every blind copy is reported.
    """
    if header.oversize is not None:
        return _too_large(header.oversize, envelope)
    findings = _header_findings(header)
    header_set = header.normalised
    findings += _duplicates(header_set, "header")
    if envelope is not None:
        envelope_set, envelope_findings = normalise_envelope(envelope, known=header.clean_addr_specs())
        findings += envelope_findings + _duplicates(envelope_set, "envelope")
        count = len(envelope)
    else:
        envelope_set, count = header_set, len(header.recipients)
    if count > limit:
        findings.append(Finding(FindingKind.TOO_MANY_RECIPIENTS, str(count), "envelope", f"SES allows {limit}"))
    blind = set(intended.bcc) if intended else set()
    findings += [
        Finding(FindingKind.BCC_HEADER_LEAKED, address, "header", "a blind recipient is visible in the MIME")
        for address in sorted({a.normalised for a in header.blind if a.normalised} | (blind & set(header_set)))
    ]
    h, e = set(header_set), set(envelope_set)
    if envelope is not None:
        findings += _each(FindingKind.HEADER_ONLY, h - e, "header", "named in the headers, never delivered")
        findings += _each(FindingKind.ENVELOPE_ONLY, e - h - blind, "envelope", "a blind copy nobody intended")
    if intended is not None:
        meant = set(intended.envelope)
        findings += _each(FindingKind.INTENDED_MISSING, meant - h - e, "intended", "in neither header nor envelope")
        findings += _each(FindingKind.UNINTENDED_RECIPIENT, (h | e) - meant, "observed", "nobody intended it")
    if delivered is not None:
        delivered_set, delivered_findings = normalise_envelope(delivered, "delivered")
        d = set(delivered_set)
        findings += delivered_findings
        findings += _each(FindingKind.DELIVERED_MISSING, e - d, "delivered", "on the envelope, not delivered")
        findings += _each(FindingKind.DELIVERED_UNEXPECTED, d - e, "delivered", "delivered, never on the envelope")
    return tuple(sorted(set(findings), key=_order))


def _too_large(oversize: Oversize, envelope: Sequence[str] | None) -> tuple[Finding, ...]:
    """Headers too large to parse: that finding, and the envelope's own (an injected entry is still refused)."""
    findings = [Finding(FindingKind.TOO_LARGE, str(oversize.size), oversize.where, f"not checked: {oversize}")]
    if envelope is not None:
        findings += normalise_envelope(envelope)[1]
    return tuple(sorted(set(findings), key=_order))


def _header_findings(header: HeaderRecipients) -> list[Finding]:
    findings = []
    for defect in {id(d): d for d in header.defects}.values():  # a run of one shared defect gives one finding
        kind = FindingKind.INJECTION_ATTEMPT if defect.injection else FindingKind.DEFECTIVE_ADDRESS
        findings.append(Finding(kind, defect.value, defect.field, f"{defect.defect}: {defect.message}"))
    return findings


def _duplicates(addresses: Sequence[str], where: str) -> list[Finding]:
    counts = Counter(addresses)
    return [Finding(FindingKind.DUPLICATE, a, where, f"appears {n} times") for a, n in counts.items() if n > 1]


def _each(kind: FindingKind, addresses: set[str], where: str, detail: str) -> list[Finding]:
    return [Finding(kind, address, where, detail) for address in addresses]


_KIND_ORDER = {kind: index for index, kind in enumerate(FindingKind)}


def _order(finding: Finding) -> tuple[int, str, str, str]:
    return (_KIND_ORDER[finding.kind], finding.address, finding.where, finding.detail)
