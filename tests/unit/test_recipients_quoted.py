"""The linear reader of quoted, dotted and escaped display names gives exactly what the header registry gives.

Inputs come from a token grammar that mixes what the reader accepts (atoms, quoted strings with quoted
pairs and commas inside, periods, runs of spaces and tabs, `<local@domain>`, bare addresses) with what it
must refuse (comments, groups, encoded words, backslashes outside quotes, quoted local parts, non-ASCII,
empty elements), plus arbitrary text. Wherever the reader answers, its mailboxes and defects are the
registry's; wherever the registry raises, the reader must not answer.
"""

from __future__ import annotations

from email import policy

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from mailcanary.recipients import parse as parse_module
from mailcanary.recipients import parse_address_header
from mailcanary.recipients.quoted import quoted_mailboxes

ATEXT = "abcXYZ019!#$%&'*+/=?^_`{|}~-"
atoms = st.text(alphabet=ATEXT, min_size=1, max_size=5)
quoted = st.text(alphabet='ab ,<>@.:;()[]\t\\"', max_size=6).map(
    lambda text: '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
)
raw_quoted = st.text(alphabet='ab \\",.', max_size=6).map(lambda text: f'"{text}"')  # odd escapes, unbalanced
odd = st.sampled_from(["(c)", ":", ";", "\\", "=?utf-8?q?J=C3=BC?=", "\u00fc", "@", "[", "]", ",", "<", ">", "\x01"])
words = st.one_of(
    atoms, quoted, st.sampled_from(['""', '" "', '"\\\\"', '"\\""']), st.just("."), st.just(".."), raw_quoted, odd
)
gaps = st.sampled_from(["", " ", "  ", "\t", " \t "])
dot_atoms = st.lists(atoms, min_size=1, max_size=3).map(".".join)
dotted_locals = st.lists(st.tuples(atoms, st.sampled_from([".", "..", "..."])), min_size=1, max_size=3).map(
    lambda parts: "".join(a + dots for a, dots in parts) + "z"
)


@st.composite
def mailboxes(draw: st.DrawFn) -> str:
    local = draw(
        st.one_of(dot_atoms, st.just('"quoted local"'), dot_atoms.map(lambda a: a + "."), dotted_locals, st.just(".a"))
    )
    domain = draw(st.one_of(dot_atoms, st.just("[192.0.2.1]")))
    addr = f"{local}@{domain}"
    if draw(st.booleans()):
        return f"{draw(gaps)}{addr}{draw(gaps)}"
    name = "".join(draw(gaps) + word for word in draw(st.lists(words, max_size=5)))
    return f"{draw(gaps)}{name}{draw(gaps)}<{addr}>{draw(gaps)}"


address_lists = st.one_of(
    st.lists(mailboxes(), min_size=1, max_size=4).map(",".join),
    st.lists(mailboxes(), min_size=0, max_size=3).map(lambda boxes: "g: " + ",".join(boxes) + ";"),
    st.text(alphabet='ab <>@.,"\\ \t', max_size=30),
    st.text(max_size=30),
)


def _registry(value: str) -> tuple[list[tuple[str, str, str, str | None]], list[tuple[str, str]]] | None:
    try:
        header = policy.default.header_factory("To", value)
        groups = header.groups
        mailboxes = [
            (a.display_name, a.username, a.domain, group.display_name) for group in groups for a in group.addresses
        ]
    except Exception:  # the registry raises on some inputs: the reader must leave those to it
        return None
    return mailboxes, [(type(defect).__name__, str(defect)) for defect in header.defects]


@settings(max_examples=800)
@given(address_lists)
@example('"Doe, J." <j@example.com>, "" "" <k@example.com>')
@example("John Q. Public <jqp@example.com>")
@example("a. . b <j@x.com>")
@example("a. <j@x.com>")
@example("  <a@b.c>")
@example('"[\\""  ..\t")\\\\"\t" "<a@b.c>')  # a quoted " " last, in a name with quoted pairs: kept
def test_property_reader_matches_the_registry_wherever_it_answers(value: str) -> None:
    # Given any address-list text; When the linear reader answers for it
    fast = quoted_mailboxes(value)
    if fast is None:
        return
    mailboxes, defects = fast
    # Then the registry reads the very same mailboxes, in order, and reports the very same defects
    registry = _registry(value)
    assert registry is not None, "the reader answered where the registry raises"
    assert [(a.display_name, a.username, a.domain, group) for a, group in mailboxes] == registry[0]
    assert [(type(defect).__name__, str(defect)) for defect in defects] == registry[1]


@pytest.mark.parametrize(
    "value",
    [
        '"" ' * 1360 + "<a@example.com>",
        '""' * 2040 + " <a@example.com>",
        '"' + "\\\\" * 2030 + '" <a@example.com>',
        "a." * 2040 + " <a@example.com>",
        "a " * 2040 + "<a@example.com>",
        ", ".join(f'"User {i}, Ops" <user{i}@example.com>' for i in range(49)),
        "a" + "." * 4080 + "a@example.com",
    ],
    ids=[
        "empty-quoted-spaced",
        "empty-quoted",
        "escaped-backslashes",
        "dotted-words",
        "atoms",
        "49-quoted-names",
        "local-periods",
    ],
)
def test_hostile_runs_are_read_without_the_registry_and_as_it_reads_them(value: str) -> None:
    # Given a 4 KiB run that costs the registry time with the square of its length
    # When the header is parsed
    with_registry = parse_module._registry_read("To", value)
    fast = quoted_mailboxes(value)
    # Then the linear reader answers, and exactly as the registry does
    assert fast is not None
    assert [(a, g) for a, g in fast[0]] == with_registry[0]
    assert [str(d) for d in fast[1]] == [str(d) for d in with_registry[1]]
    # and the public function gives that answer without calling the registry
    original = parse_module._registry_read
    try:
        parse_module._registry_read = _refuse  # type: ignore[assignment]
        parsed, _ = parse_address_header("To", value)
    finally:
        parse_module._registry_read = original  # type: ignore[assignment]
    expected = [(a.display_name, a.addr_spec) for a, _ in with_registry[0]]
    assert [(p.display_name, p.addr_spec) for p in parsed] == expected


def _refuse(field: str, text: str) -> object:
    raise AssertionError("the registry was called")


@pytest.mark.parametrize(
    "value",
    ["Bob (comment) <b@example.com>", "g: a@b.c;", "=?utf-8?q?J=C3=BC?= <j@x.com>", "\\\\ <a@b.c>", "a@b.c,", ""],
)
def test_forms_outside_the_subset_are_left_to_the_registry(value: str) -> None:
    # Given a list with a comment, a group, an encoded word, a backslash outside quotes or an empty element
    # When the linear reader is asked; Then it refuses, so the registry reads it as before
    assert quoted_mailboxes(value) is None
