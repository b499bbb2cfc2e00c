"""Bounded recipient parsing: adversarial headers end in a parse or a typed "too large", in linear memory.

The memory bound is what the limits exist for: before them a 140 KB To header of encoded words took 1.4 GB.
"""

from __future__ import annotations

import tracemalloc

import pytest

from mailcanary.recipients import (
    MAX_HEADER_BLOCK_BYTES,
    MAX_PARSER_CHARS,
    FindingKind,
    RecipientAddressError,
    RecipientsTooLargeError,
    compare,
    normalise,
    parse_address_header,
    parse_header_recipients,
)

MEMORY_CAP = 50 * 1024 * 1024


def _message(to: str, extra: str = "") -> bytes:
    return f"From: a@example.com\r\n{extra}To: {to}\r\nSubject: s\r\n\r\nbody\r\n".encode("utf-8", "surrogateescape")


ADVERSARIAL: list[tuple[str, bytes, str | None]] = [
    (
        "140 KB of encoded words",
        _message(" ".join(["=?utf-8?q?Z=C3=B6e?="] * 7000) + " <z@example.com>"),
        "MAX_ADDRESS_HEADER_CHARS",
    ),
    ("2,000 encoded words", _message(" ".join(["=?utf-8?q?a?="] * 2000) + " <z@example.com>"), "MAX_ENCODED_WORDS"),
    (
        "5,000 plain addresses",
        _message(", ".join(f"u{i}@example.com" for i in range(5000))),
        "MAX_ADDRESS_HEADER_CHARS",
    ),
    ("1,500 short addresses", _message(",".join(f"u{i}@x.io" for i in range(1500))), "MAX_ADDRESSES"),
    ("a 5 KB plain display name", _message("a " * 2500 + "<z@example.com>"), None),
    ("1,000 open parentheses", _message("(" * 1000 + "a@example.com"), None),
    ("a 5 KB quoted list", _message(", ".join(f'"U, {i}" <u{i}@example.com>' for i in range(200))), "MAX_PARSER_CHARS"),
    ("a 5 KB group", _message("g: " + ", ".join(f"u{i}@example.com" for i in range(300)) + ";"), "MAX_PARSER_CHARS"),
    ("one 5 KB element", _message("a.b " * 1250 + "<z@example.com>"), "MAX_PARSER_CHARS"),
    (
        "a header block over the limit",
        _message("a@example.com", "X-Pad: " + "x" * MAX_HEADER_BLOCK_BYTES + "\r\n"),
        "MAX_HEADER_BLOCK_BYTES",
    ),
    (
        "no end of headers",
        b"To: a@example.com\r\nX-Pad: " + b"x" * (2 * MAX_HEADER_BLOCK_BYTES),
        "MAX_HEADER_BLOCK_BYTES",
    ),
    ("a run of =? with commas", _message("=?" * 900 + ",?=, a@example.com"), None),
    (
        "50 encoded-word names",
        _message(", ".join(f"=?utf-8?q?Z=C3=B6e_{i}?= <z{i}@example.com>" for i in range(50))),
        None,
    ),
    ("invalid UTF-8", b"To: \xff\xfe <a@example.com>, b@ex\xe9mple.com\r\n\r\n", None),
]


@pytest.mark.parametrize(
    ("raw", "limit"), [(raw, limit) for _, raw, limit in ADVERSARIAL], ids=[n for n, _, _ in ADVERSARIAL]
)
def test_adversarial_headers_parse_or_are_too_large_within_bounded_memory(raw: bytes, limit: str | None) -> None:
    # Given an adversarial message
    # When its recipients are parsed and compared
    tracemalloc.start()
    try:
        header = parse_header_recipients(raw)
        findings = compare(intended=None, header=header, envelope=["a@example.com"])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # Then the limit it passes (if any) is named, as one too_large finding, and memory stayed bounded
    assert (header.oversize.limit if header.oversize else None) == limit
    too_large = [f for f in findings if f.kind is FindingKind.TOO_LARGE]
    assert len(too_large) == (limit is not None)
    assert peak < MEMORY_CAP + 4 * len(raw)


def test_a_long_list_of_plain_elements_is_read_element_by_element_with_each_defect() -> None:
    # Given a list longer than the parser reads at once, one of its elements defective
    value = ", ".join([*(f"Name {i} <u{i}@example.com>" for i in range(200)), "bad@@example.com"])
    assert len(value) > MAX_PARSER_CHARS
    # When it is parsed
    addresses, defects = parse_address_header("To", value)
    # Then every good address is there and the defective element is reported, not the whole list refused
    assert len([a for a in addresses if a.normalised]) == 200
    assert defects


def test_a_long_unsplittable_list_raises_the_typed_error() -> None:
    # Given a list over the parser's limit that quotes make unsplittable
    value = ", ".join(f'"U, {i}" <u{i}@example.com>' for i in range(200))
    # When it is parsed alone, Then the typed error names the limit
    with pytest.raises(RecipientsTooLargeError) as caught:
        parse_address_header("To", value)
    assert caught.value.oversize.limit == "MAX_PARSER_CHARS"


def test_an_overlong_envelope_entry_is_too_large_and_an_overlong_address_refused() -> None:
    # Given an envelope entry longer than the parser reads at once
    entry = "a" * (MAX_PARSER_CHARS + 1) + "@example.com"
    # When compared, Then it is a too_large finding for the envelope
    findings = compare(intended=None, header=parse_header_recipients(_message("a@example.com")), envelope=[entry])
    assert [f.kind for f in findings if f.where == "envelope"][:1] == [FindingKind.TOO_LARGE]
    # And normalising it alone is refused as an address error
    with pytest.raises(RecipientAddressError):
        normalise(entry)
