"""Comments are taken out of an address list before the header registry reads it: the same mailboxes, in
linear time. The registry re-slices the rest of the value at every token, so a value of many comments cost
time with the square of its length (3.9 KB of "(a)" took 110 ms per send in the guard)."""

from __future__ import annotations

from email import policy
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailcanary.recipients import parse as parse_module
from mailcanary.recipients import parse_address_header
from mailcanary.recipients.comments import without_comments


def _mailboxes(text: str) -> list[tuple[str, str]]:
    header = policy.default.header_factory("To", text)
    return [(mailbox.display_name, mailbox.addr_spec) for mailbox in header.addresses]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("user@example.com (Alice)", "user@example.com  "),
        ("Alice(x)Bob <a@b.example>", "Alice Bob <a@b.example>"),
        ("((nested) comment) a@b.example", "  a@b.example"),
        ('"in (quotes)" <a@b.example>', '"in (quotes)" <a@b.example>'),
        ('"escaped \\" (quote)" <a@b.example>', '"escaped \\" (quote)" <a@b.example>'),
        ("a@[192.0.2.(1)]", "a@[192.0.2.(1)]"),
        ("(escaped \\) paren) a@b.example", "  a@b.example"),
        ("(unclosed a@b.example", "(unclosed a@b.example"),
        ("no comments <a@b.example>", "no comments <a@b.example>"),
    ],
)
def test_given_an_address_list_when_comments_are_taken_out_then_quotes_and_literals_stay(
    text: str, expected: str
) -> None:
    # Given an address list / When its comments are taken out / Then only balanced comments become a space
    assert without_comments(text) == expected


_TOKENS = st.sampled_from(
    ["a@b.example", "<c@d.example>", "Alice", '"Q (x) q"', "(c)", "(n(e)st)", ",", " ", "(", ")", '"', "\\", "[1]"]
)


@given(st.lists(_TOKENS, max_size=12).map("".join))
def test_property_the_registry_reads_the_same_mailboxes_without_comments(text: str) -> None:
    # Given any list built from addresses, names, quotes and (possibly unbalanced) comments
    # When the registry reads it with and without its comments
    # Then it finds the same mailboxes
    assert _mailboxes(without_comments(text)) == _mailboxes(text)


def test_given_four_kilobytes_of_comments_when_parsed_then_the_registry_never_sees_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a To header of 1,300 comments before a group of one address (within every size limit; a group
    # is for the registry to read, the linear readers leave it alone)
    value = "(a)" * 1300 + " team: user@example.com;"
    read: list[str] = []
    factory = policy.default.header_factory

    def recording_factory(name: str, text: str) -> object:
        read.append(text)
        return factory(name, text)

    monkeypatch.setattr(
        parse_module, "policy", SimpleNamespace(default=SimpleNamespace(header_factory=recording_factory))
    )
    # When it is parsed
    mailboxes, defects = parse_address_header("To", value)
    # Then the registry read it without the comments, and found the address with no defect
    assert read
    assert all("(" not in text for text in read)
    assert [(m.addr_spec, m.group) for m in mailboxes] == [("user@example.com", "team")]
    assert defects == []
