"""Table-driven tests of recipient parsing from raw MIME headers: the tricky cases real mail carries."""

from __future__ import annotations

import pytest

from mailcanary.recipients import parse_header_recipients

BODY = b"\r\nbody\r\n"

# (case id, header lines, expected {field: normalised addresses}, expected defect class names (subset))
CASES: list[tuple[str, bytes, dict[str, tuple[str, ...]], set[str]]] = [
    ("plain", b"To: a@example.com\r\n", {"To": ("a@example.com",)}, set()),
    (
        "display names and label",
        b'To: Alice <Alice+run1@Example.COM>, "Bob, Jr." <bob@example.com>\r\n',
        {"To": ("Alice+run1@example.com", "bob@example.com")},
        set(),
    ),
    (
        "encoded-word display name",
        b"Cc: =?utf-8?q?J=C3=BCrgen_M=C3=BCller?= <j@example.com>, =?iso-8859-1?b?U+Z0aGVy?= <s@example.com>\r\n",
        {"Cc": ("j@example.com", "s@example.com")},
        set(),
    ),
    (
        "group with members and an empty group",
        b"To: team: a@x.example, b@y.example;, undisclosed-recipients:;\r\n",
        {"To": ("a@x.example", "b@y.example")},
        set(),
    ),
    (
        "quoted local parts",
        b'To: "john doe"@example.com, "a@b"@example.com, "x\\"y"@example.com\r\n',
        {"To": ('"john doe"@example.com', '"a@b"@example.com', '"x\\"y"@example.com')},
        set(),
    ),
    (
        "internationalised domain in UTF-8 (RFC 6532)",
        "To: J <j@B\u00fccher.Example>\r\n".encode(),
        {"To": ("j@xn--bcher-kva.example",)},
        set(),
    ),
    ("A-label domain", b"To: j@XN--BCHER-KVA.example\r\n", {"To": ("j@xn--bcher-kva.example",)}, set()),
    (
        "folded header and comments",
        b"To: a@example.com (first),\r\n  B <b@example.com>\r\n",
        {"To": ("a@example.com", "b@example.com")},
        set(),
    ),
    (
        "bcc and resent fields",
        b"To: a@example.com\r\nBcc: hidden@example.com\r\nResent-To: r@example.com\r\nResent-Bcc: rb@example.com\r\n",
        {
            "To": ("a@example.com",),
            "Bcc": ("hidden@example.com",),
            "Resent-To": ("r@example.com",),
            "Resent-Bcc": ("rb@example.com",),
        },
        set(),
    ),
    ("domain literal", b"To: a@[192.0.2.1]\r\n", {"To": ("a@[192.0.2.1]",)}, set()),
    (
        "double at sign",
        b"To: ok@example.com, bad@@example.com\r\n",
        {"To": ("ok@example.com",)},
        {"InvalidHeaderDefect"},
    ),
    ("missing domain", b"To: nobody\r\n", {"To": ()}, {"InvalidHeaderDefect"}),
    ("empty angle address", b"Cc: <>\r\n", {"Cc": ()}, {"InvalidHeaderDefect"}),
    ("undecodable bytes", b"To: a@ex\xffample.com\r\n", {"To": ()}, {"UndecodableBytesDefect"}),
    ("NUL in header", b"To: a@example.com\x00\r\n", {}, {"InjectionDefect"}),
]


@pytest.mark.parametrize(("headers", "expected", "defects"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_given_tricky_header_when_parsed_then_addresses_and_defects_are_reported(
    headers: bytes, expected: dict[str, tuple[str, ...]], defects: set[str]
) -> None:
    # Given a raw message whose address headers are tricky
    raw = b"From: s@example.com\r\nSubject: t\r\n" + headers + BODY
    # When its recipients are parsed
    parsed = parse_header_recipients(raw)
    # Then every usable address is there, normalised, in header order, and every defect is reported
    for field, addresses in expected.items():
        assert tuple(a.normalised for a in parsed.in_fields(field) if a.normalised) == addresses
    assert defects <= {d.defect for d in parsed.defects}
    if not defects:
        assert parsed.defects == ()


def test_given_invalid_mailbox_when_parsed_then_it_is_kept_as_unusable_not_dropped() -> None:
    # Given a To header with one valid and one unreadable mailbox
    parsed = parse_header_recipients(b"To: ok@example.com, bad@@example.com\r\n\r\n")
    # Then the unreadable one is still listed (unusable) and its header value is the evidence
    assert [a.normalised for a in parsed.addresses] == ["ok@example.com", None]
    assert any("bad@@example.com" in d.value for d in parsed.defects)


def test_given_group_when_parsed_then_group_name_is_kept() -> None:
    parsed = parse_header_recipients(b"To: team: a@x.example;\r\n\r\n")
    assert [(a.group, a.normalised) for a in parsed.addresses] == [("team", "a@x.example")]


def test_given_resent_fields_when_recipients_asked_then_resent_fields_govern() -> None:
    # Given a re-sent message: the original To stays, the Resent-To says who this sending goes to
    parsed = parse_header_recipients(b"To: original@example.com\r\nResent-To: now@example.com\r\n\r\n")
    # Then the recipients of this sending are the Resent-* ones
    assert parsed.resent
    assert parsed.normalised == ("now@example.com",)


def test_given_message_without_address_headers_when_parsed_then_nothing_and_no_defect() -> None:
    parsed = parse_header_recipients(b"Subject: none\r\n\r\nbody")
    assert parsed.addresses == ()
    assert parsed.defects == ()
    assert parsed.fields_present == frozenset()
