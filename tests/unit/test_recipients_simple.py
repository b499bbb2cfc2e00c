"""The plain-address fast path gives exactly what the header registry gives, on every input it accepts.

Inputs come from a grammar that mixes plain mailboxes with everything the fast path must refuse (quotes,
comments, groups, encoded words, routes, empty elements, odd spacing, non-ASCII), plus arbitrary text.
Whatever the fast path accepts is compared with `email.headerregistry`; whatever it refuses still gets
the registry's answer through the public functions.
"""

from __future__ import annotations

from email import policy
from email.headerregistry import Address
from unittest import mock

from hypothesis import example, given, settings
from hypothesis import strategies as st

from mailcanary.recipients import parse as parse_module
from mailcanary.recipients import parse_address_header, to_address
from mailcanary.recipients.simple import simple_address, simple_mailboxes, split_mailboxes

ATEXT = "abcXYZ019!#$%&'*+/=?^_`{|}~-"
atoms = st.text(alphabet=ATEXT, min_size=1, max_size=6)
dot_atoms = st.lists(atoms, min_size=1, max_size=3).map(".".join)
odd = st.sampled_from(
    ['"', "(", ")", ",", ":", ";", "\\", "[", "]", ".", "..", "=?utf-8?q?J=C3=BC?=", "\u00fc", "\u674e", "@", "<", ">"]
)
spaces = st.sampled_from(["", " ", "  ", "\t", " \t "])
names = st.lists(st.one_of(atoms, odd), min_size=1, max_size=3).flatmap(
    lambda words: spaces.map(lambda gap: (gap or " ").join(words))
)


@st.composite
def mailboxes(draw: st.DrawFn) -> str:
    local = draw(st.one_of(dot_atoms, dot_atoms.map(lambda a: a + draw(odd)), st.just('"quoted local"')))
    domain = draw(st.one_of(dot_atoms, dot_atoms.map(lambda d: d + "."), st.just("[192.0.2.1]")))
    addr = f"{local}@{domain}"
    form = draw(st.sampled_from(["bare", "angle", "named", "comment"]))
    before, after, gap = draw(spaces), draw(spaces), draw(spaces)
    if form == "bare":
        return f"{before}{addr}{after}"
    if form == "angle":
        return f"{before}<{addr}>{after}"
    if form == "named":
        return f"{before}{draw(names)}{gap}<{addr}>{after}"
    return f"{before}{addr} (comment){after}"


@st.composite
def plain_mailboxes(draw: st.DrawFn) -> str:
    """Mostly what the fast path accepts, with the spacing variants that decide it."""
    addr = f"{draw(dot_atoms)}@{draw(dot_atoms)}"
    before, after = draw(st.sampled_from(["", " ", "\t"])), draw(st.sampled_from(["", " ", "\t"]))
    name = " ".join(draw(st.lists(atoms, max_size=3)))
    gap = draw(st.sampled_from([" ", " ", "", "  "]))
    return f"{before}{name}{gap}<{addr}>{after}" if name or draw(st.booleans()) else f"{before}{addr}{after}"


encoded_names = st.sampled_from(
    ["=?utf-8?q?J=C3=BCrgen_M=C3=BCller?=", "=?utf-8?b?5p2O6Zu3?=", "=?utf-8?q?a,b?=", "=?bogus", "Zo\u00eb"]
)
mixed_mailboxes = st.one_of(
    plain_mailboxes(),
    mailboxes(),
    st.tuples(encoded_names, dot_atoms, dot_atoms, spaces).map(lambda t: f"{t[3]}{t[0]} <{t[1]}@{t[2]}>"),
)

address_lists = st.one_of(
    st.lists(mixed_mailboxes, min_size=1, max_size=4).map(",".join),
    st.lists(plain_mailboxes(), min_size=1, max_size=4).map(",".join),
    st.lists(st.one_of(plain_mailboxes(), mailboxes()), min_size=1, max_size=4).map(",".join),
    st.lists(mailboxes(), min_size=1, max_size=3).map(lambda boxes: "team: " + ",".join(boxes) + ";"),
    st.text(max_size=40),
)


def _registry_mailboxes(value: str) -> tuple[list[Address], int]:
    header = policy.default.header_factory("To", value)
    return list(header.addresses), len(header.defects)


@settings(max_examples=600)
@given(address_lists)
@example("Bob Smith <bob+x@example.com>, alice@EXAMPLE.org")
@example("<a@b.c>")
def test_property_fast_path_matches_the_registry_wherever_it_answers(value: str) -> None:
    # Given any address-list text; When the fast path answers for it
    fast = simple_mailboxes(value)
    if fast is None:
        return
    # Then the registry reads the very same mailboxes, in order, with no defect
    registry, defects = _registry_mailboxes(value)
    assert defects == 0
    assert [(a.display_name, a.username, a.domain, a.addr_spec) for a in fast] == [
        (a.display_name, a.username, a.domain, a.addr_spec) for a in registry
    ]
    # and the header-level result (normalised forms, group, defects) is what the registry path gives
    assert len(parse_address_header("To", value)[0]) == len(registry)


@settings(max_examples=400)
@given(st.one_of(plain_mailboxes(), mailboxes()))
def test_property_fast_single_address_matches_the_slow_path(value: str) -> None:
    # Given one mailbox; When the fast path answers for it; Then to_address without it gives the same Address
    fast = simple_address(value.strip())
    if fast is None:
        return
    text = value.strip()
    try:
        slow = Address(addr_spec=text)
    except Exception:  # as to_address does: not a bare addr-spec, so read it as a mailbox list
        registry, defects = _registry_mailboxes(text)
        assert defects == 0
        assert len(registry) == 1
        slow = registry[0]
    assert (fast.display_name, fast.username, fast.domain) == (slow.display_name, slow.username, slow.domain)
    assert to_address(value) == slow


def test_given_plain_and_non_plain_lists_when_checked_then_only_plain_ones_take_the_fast_path() -> None:
    # Given lists the fast path must accept and ones it must leave to the registry
    assert simple_mailboxes("Ops Team <ops@example.com>, a.b+c@d.example") is not None
    for value in [
        '"Smith, Bob" <bob@example.com>',
        "=?utf-8?q?J=C3=BCrgen?= <j@example.com>",
        "bob@example.com (Bob)",
        "team: a@example.com;",
        "a@example.com,,b@example.com",
        "J\u00fcrgen <j@example.com>",
        "<@route:a@example.com>",
        "",
    ]:
        # Then each of those is refused, and goes through the header registry instead
        assert simple_mailboxes(value) is None, value


@settings(max_examples=600)
@given(address_lists)
@example("=?utf-8?q?J=C3=BCrgen?= <j@example.com>, Bob <bob@example.com>, =?utf-8?q?a,b?= <x@y.z>")
@example("a@example.com,,b@example.com")
def test_property_header_read_in_pieces_equals_the_header_read_whole(value: str) -> None:
    # Given any address-list text; When read by parse_address_header (plain elements on the fast path,
    # the others through the registry one at a time)
    fast = parse_address_header("Cc", value)
    # Then the result is exactly the registry's reading of the whole value: addresses, groups, defects
    with mock.patch.object(parse_module, "split_mailboxes", return_value=None):
        whole = parse_address_header("Cc", value)
    assert fast == whole


def test_given_lists_where_commas_may_be_more_than_separators_when_split_then_refused() -> None:
    # Given values whose commas might sit inside a token; Then they are read whole by the registry
    for value in ['"Smith, Bob" <b@example.com>', "=?utf-8?q?a,b?= <x@y.z>", "(a, b) c@d.e", "g: a@b.c, d@e.f;"]:
        assert split_mailboxes(value) is None, value
    # and a plain list mixed with an encoded-word name is split, the plain element already parsed
    pieces = split_mailboxes("=?utf-8?q?J=C3=BCrgen?= <j@example.com>, bob@example.com")
    assert pieces is not None
    assert isinstance(pieces[0], str)
    assert pieces[1] == Address(username="bob", domain="example.com")
