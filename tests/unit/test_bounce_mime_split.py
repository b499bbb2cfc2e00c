"""The boundary-cutting reader builds exactly the stdlib's compat32 tree, or declines (None)."""

from __future__ import annotations

import email
from datetime import timedelta
from email.message import Message
from email.parser import HeaderParser
from email.policy import compat32
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailcanary.bounce.message_view import MAX_DEPTH
from mailcanary.bounce.mime_split import read_headers, split_message

BOUNCES = Path(__file__).resolve().parents[1] / "data" / "bounces"
SAMPLE_PATHS = sorted(p for p in BOUNCES.rglob("*") if p.suffix in (".eml", ".txt"))
SAMPLES = [p.read_bytes() for p in SAMPLE_PATHS]
# Bytes that change a message's shape: line breaks (a bare CR among them), boundaries, nested types, 8-bit.
_EDITS = st.sampled_from(
    [b"\n", b"\r\n", b"\r", b"\n\n", b"--", b" ", b"\t", b":", b"From x\n", b"\x80\xff",
     b'Content-Type: multipart/mixed; boundary="b"\n', b"\n--b\n", b"\n--b--\n",
     b"Content-Type: message/rfc822\n\n", b"Content-Type: message/delivery-status\n\n"]
)  # fmt: skip
MUTATIONS = settings(max_examples=300, deadline=timedelta(seconds=2), suppress_health_check=[HealthCheck.too_slow])


def _tree(message: Message, depth: int = 0, out: list[Any] | None = None) -> list[Any]:
    """Everything a reader of the tree sees: raw headers, envelope line, preamble, epilogue, default type, payload
    (the attribute itself: `get_payload` would re-decode 8-bit text)."""
    out = [] if out is None else out
    out.append((depth, tuple(message.items()), message.get_unixfrom(), message.preamble, message.epilogue))
    out.append(message.get_default_type())
    payload = message.__dict__["_payload"]
    if isinstance(payload, list):
        for part in payload:
            _tree(part, depth + 1, out)
    else:
        out.append(payload)
    return out


def _stdlib(data: bytes) -> Message:
    return email.message_from_bytes(data, policy=compat32)


def test_given_the_vendored_samples_when_split_then_nearly_all_read_and_each_tree_is_the_stdlibs() -> None:
    # Given every vendored bounce (our samples and the public corpora's)
    # When each is split
    results = [(path, split_message(data, MAX_DEPTH), data) for path, data in zip(SAMPLE_PATHS, SAMPLES, strict=True)]
    # Then each tree read is the stdlib's, and declining stays the exception
    for path, tree, data in results:
        if tree is not None:
            assert _tree(tree) == _tree(_stdlib(data)), path.name
    declined = sum(tree is None for _, tree, _ in results)
    assert declined <= len(results) // 10


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"Subject: x\r\n\r\nline\rbroken\r\n", "a bare CR"),
        (b"Content-Type: multipart/mixed\n\nno boundary\n", "no boundary parameter"),
        (b'Content-Type: multipart/mixed; boundary="b"\n\nno start line\n', "no start line"),
        (b'Content-Type: multipart/mixed; boundary="b"\n\n--b\n--b\nx\n--b--\n', "boundary lines in a row"),
        (b'Content-Type: multipart/digest; boundary="b"\n\n--b\n\nx\n--b--\n', "digest"),
        (b"Subject: x\nFrom y\n\nbody\n", "an envelope line among the headers"),
    ],
)
def test_given_a_shape_it_does_not_reproduce_when_split_then_none(data: bytes, reason: str) -> None:
    assert split_message(data, MAX_DEPTH) is None, reason


def test_given_nesting_past_the_limit_when_split_then_none() -> None:
    nested = b"".join(b"Content-Type: message/rfc822\n\n" for _ in range(MAX_DEPTH + 2)) + b"Subject: deep\n\nx\n"
    assert split_message(nested, MAX_DEPTH) is None


@MUTATIONS
@given(sample=st.sampled_from(SAMPLES), edits=st.lists(st.tuples(st.floats(0, 1), _EDITS), max_size=4))
def test_given_an_edited_sample_when_split_then_the_stdlibs_tree_or_none(
    sample: bytes, edits: list[tuple[float, bytes]]
) -> None:
    data = sample
    for where, insert in edits:
        at = int(where * len(data))
        data = data[:at] + insert + data[at:]
    tree = split_message(data, MAX_DEPTH)
    if tree is not None:
        assert _tree(tree) == _tree(_stdlib(data))


@MUTATIONS
@given(sample=st.sampled_from(SAMPLES), edits=st.lists(st.tuples(st.floats(0, 1), _EDITS), max_size=4))
def test_given_an_edited_header_block_when_read_then_the_stdlib_header_parsers_message(
    sample: bytes, edits: list[tuple[float, bytes]]
) -> None:
    data = sample
    for where, insert in edits:
        at = int(where * len(data))
        data = data[:at] + insert + data[at:]
    text = data.decode("utf-8", "replace")  # (header blocks are read from decoded text)
    assert _tree(read_headers(text)) == _tree(HeaderParser(policy=compat32).parsestr(text))
