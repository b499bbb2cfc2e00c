"""TCP reassembly for packet captures: retransmissions dropped, early segments held, sequence numbers wrap."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from mailcanary.smtp.transcript_formats.tcp_streams import HalfStream

WIRE = b"EHLO client.example\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n"


def _segments(isn: int, sizes: list[int]) -> list[tuple[int, bytes]]:
    out, offset = [], 0
    for size in sizes:
        if offset >= len(WIRE):
            break
        out.append(((isn + 1 + offset) % (1 << 32), WIRE[offset : offset + size]))
        offset += size
    if offset < len(WIRE):
        out.append(((isn + 1 + offset) % (1 << 32), WIRE[offset:]))
    return out


def _lines(stream: HalfStream, segments: list[tuple[int, bytes]]) -> list[bytes]:
    found = []
    for n, (seq, data) in enumerate(segments):
        found += [line.text for line in stream.segment(seq, data, n, 0.0)]
    return found


@given(
    isn=st.integers(0, (1 << 32) - 1),
    sizes=st.lists(st.integers(1, 30), min_size=1, max_size=12),
    data=st.data(),
)
def test_property_any_order_and_any_retransmission_give_the_lines_once_in_order(
    isn: int, sizes: list[int], data: st.DataObject
) -> None:
    # Given the client's bytes cut into segments near any initial sequence number (wrapping included)
    segments = _segments(isn, sizes)
    # When they arrive shuffled, some twice (retransmissions)
    shuffled = data.draw(st.permutations(segments))
    repeats = data.draw(st.lists(st.sampled_from(segments), max_size=4))
    stream = HalfStream()
    stream.syn(isn)
    lines = _lines(stream, [*shuffled, *repeats])
    # Then each line comes out once, in the order it was sent
    assert lines == WIRE.rstrip(b"\r\n").split(b"\r\n")


def test_given_a_capture_that_starts_mid_connection_when_read_then_the_first_segment_is_trusted() -> None:
    stream = HalfStream()
    assert [line.text for line in stream.segment(1000, b"QUIT\r\n", 1, 0.0)] == [b"QUIT"]
