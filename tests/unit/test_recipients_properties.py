"""Hypothesis properties of recipient parsing, normalisation and comparison."""

from __future__ import annotations

from email import policy
from email.headerregistry import Address
from email.message import EmailMessage

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailcanary.recipients import (
    FindingKind,
    RecipientAddressError,
    RecipientInjectionError,
    RecipientPlan,
    compare,
    normalise,
    parse_header_recipients,
)
from mailcanary.recipients.normalise import normalise_parts

ATEXT = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+/=?^_`{|}~-"
atoms = st.text(alphabet=ATEXT, min_size=1, max_size=8)
dot_atom_locals = st.lists(atoms, min_size=1, max_size=3).map(".".join)
# Local parts the standard library must quote (it renders a lone "." unquoted, which no parser reads back).
quoted_locals = st.text(alphabet="abc XYZ@,.;:<>()[]", min_size=1, max_size=10).filter(
    lambda s: not set(s) <= set(ATEXT + ".")
)
locals_ = st.one_of(dot_atom_locals, quoted_locals)
labels = st.one_of(
    st.from_regex(r"[a-zA-Z0-9]([a-zA-Z0-9-]{0,8}[a-zA-Z0-9])?", fullmatch=True),
    st.sampled_from(["bücher", "MÜNCHEN", "例え", "xn--bcher-kva", "ёлка", "straße"]),
)
domains = st.lists(labels, min_size=1, max_size=3).map(".".join).map(lambda d: d + ".example")
display_names = st.one_of(st.just(""), st.text(st.characters(codec="utf-8", categories=["L", "N", "Zs"]), max_size=12))
mailboxes = st.tuples(display_names, locals_, domains)


def render(to: list[tuple[str, str, str]], cc: list[tuple[str, str, str]]) -> bytes:
    """Render addresses with the standard library (UTF-8 headers allowed, as RFC 6532 permits)."""
    message = EmailMessage(policy=policy.SMTPUTF8)
    message["From"] = "s@example.com"
    if to:
        message["To"] = [Address(*parts) for parts in to]
    if cc:
        message["Cc"] = [Address(*parts) for parts in cc]
    message.set_content("x")
    return message.as_bytes()


@given(st.lists(mailboxes, max_size=4), st.lists(mailboxes, max_size=4))
def test_parse_render_parse_loses_and_invents_nothing(
    to: list[tuple[str, str, str]], cc: list[tuple[str, str, str]]
) -> None:
    # Given addresses rendered into To and Cc by the standard library
    expected = [normalise_parts(local, domain) for _, local, domain in to + cc]
    # When parsed, rendered again from what was parsed, and parsed again
    first = parse_header_recipients(render(to, cc))
    again = [Address(a.display_name, addr_spec=a.addr_spec) for a in first.addresses]
    reparsed = [(a.display_name, a.username, a.domain) for a in again]
    second = parse_header_recipients(render(reparsed[: len(to)], reparsed[len(to) :]))
    # Then both parses give exactly the rendered addresses, without defects
    assert first.defects == ()
    assert second.defects == ()
    assert list(first.normalised) == expected == list(second.normalised)
    # And each rendered addr-spec normalises like the parsed address (compare reuses header parses this way)
    assert [normalise(spec) for spec in first.clean_addr_specs()] == list(first.clean_addr_specs().values())
    # (display names survive too, up to whitespace, which RFC 5322 does not preserve)
    assert [" ".join(a.display_name.split()) for a in first.addresses] == [" ".join(d.split()) for d, _, _ in to + cc]


@given(mailboxes)
def test_normalisation_is_idempotent(mailbox: tuple[str, str, str]) -> None:
    _, local, domain = mailbox
    once = normalise(Address(username=local, domain=domain).addr_spec)
    assert normalise(once) == once


@given(st.text(max_size=30))
def test_normalisation_is_idempotent_or_refuses_for_any_text(text: str) -> None:
    try:
        once = normalise(text)
    except (RecipientAddressError, RecipientInjectionError):
        return
    assert normalise(once) == once


@given(st.lists(st.tuples(locals_, domains), max_size=5), st.lists(st.tuples(locals_, domains), max_size=5))
def test_header_envelope_comparison_is_symmetric(a: list[tuple[str, str]], b: list[tuple[str, str]]) -> None:
    # Given two recipient lists, each usable as header recipients or as Destinations

    def only(kind: FindingKind, header: list[tuple[str, str]], envelope: list[tuple[str, str]]) -> set[str]:
        parsed = parse_header_recipients(render([("", lp, d) for lp, d in header], []))
        destinations = [Address(username=lp, domain=d).addr_spec for lp, d in envelope]
        return {f.address for f in compare(intended=None, header=parsed, envelope=destinations) if f.kind is kind}

    # Then header-only one way round is envelope-only the other way round
    assert only(FindingKind.HEADER_ONLY, a, b) == only(FindingKind.ENVELOPE_ONLY, b, a)


@given(st.lists(st.tuples(locals_, domains), max_size=5), st.lists(st.tuples(locals_, domains), max_size=5))
def test_delivered_comparison_is_symmetric(e: list[tuple[str, str]], d: list[tuple[str, str]]) -> None:
    envelope = [Address(username=lp, domain=dom).addr_spec for lp, dom in e]
    delivered = [Address(username=lp, domain=dom).addr_spec for lp, dom in d]
    empty = parse_header_recipients(b"\r\n")

    def of(kind: FindingKind, env: list[str], dlv: list[str]) -> set[str]:
        return {f.address for f in compare(intended=None, header=empty, envelope=env, delivered=dlv) if f.kind is kind}

    assert of(FindingKind.DELIVERED_MISSING, envelope, delivered) == of(
        FindingKind.DELIVERED_UNEXPECTED, delivered, envelope
    )


injections = st.sampled_from(["\r", "\n", "\r\n", "\x00", "\r\nBcc: x@evil.test"])


@given(st.tuples(locals_, domains), injections, st.integers(min_value=0, max_value=60))
def test_injection_is_always_refused(mailbox: tuple[str, str], bad: str, position: int) -> None:
    # Given a valid address with CR, LF or NUL inserted anywhere
    address = Address(username=mailbox[0], domain=mailbox[1]).addr_spec
    cut = position % (len(address) + 1)
    injected = address[:cut] + bad + address[cut:]
    # Then normalising, planning and comparing all refuse it
    with pytest.raises(RecipientInjectionError):
        normalise(injected)
    with pytest.raises(RecipientInjectionError):
        RecipientPlan.of(to=[injected])
    findings = compare(intended=None, header=parse_header_recipients(b"\r\n"), envelope=[injected])
    assert [f.kind for f in findings] == [FindingKind.INJECTION_ATTEMPT]
