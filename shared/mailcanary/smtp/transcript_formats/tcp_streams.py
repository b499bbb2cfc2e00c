"""TCP stream reassembly for packet captures: each direction's bytes in sequence order, once.

Retransmitted bytes are dropped, segments that arrive ahead of a gap wait until it is filled (bounded),
sequence numbers wrap modulo 2**32. Delivered bytes are cut into lines, each with the packet that
completed it, so the two directions interleave as they were seen on the wire.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["HalfStream", "Line"]

_WRAP = 1 << 32
MAX_PENDING = 256  # out-of-order segments held per direction before the gap is given up on
MAX_LINE = 1 << 20  # a "line" longer than this is cut (binary data, an endless header)


@dataclass(frozen=True, slots=True)
class Line:
    text: bytes
    packet: int
    at: float


def _after(a: int, b: int) -> int:
    """How far sequence number `a` is past `b` (negative: before), modulo 2**32."""
    delta = (a - b) % _WRAP
    return delta - _WRAP if delta >= _WRAP // 2 else delta


@dataclass(slots=True)
class HalfStream:
    """One direction of a TCP connection: reorders segments and yields complete lines."""

    next_seq: int | None = None
    pending: dict[int, bytes] = field(default_factory=dict)
    buffer: bytearray = field(default_factory=bytearray)
    closed: bool = False

    def syn(self, seq: int) -> None:
        self.next_seq = (seq + 1) % _WRAP

    def segment(self, seq: int, data: bytes, packet: int, at: float) -> list[Line]:
        """Lines completed by this segment (none when it is a retransmission or arrives early)."""
        if not data:
            return []
        if self.next_seq is None:
            self.next_seq = seq  # the capture started mid-connection: trust the first segment seen
        ahead = _after(seq, self.next_seq)
        if ahead > 0:
            if len(self.pending) < MAX_PENDING:
                self.pending.setdefault(seq, data)
            return []
        if -ahead >= len(data):
            return []  # all of it was delivered already
        self._deliver(data[-ahead:])
        while self.pending:
            ready = [s for s in self.pending if _after(s, self.next_seq) <= 0]
            if not ready:
                break
            for s in ready:
                late = self.pending.pop(s)
                offset = -_after(s, self.next_seq)
                if offset < len(late):
                    self._deliver(late[offset:])
        return self._lines(packet, at)

    def _deliver(self, data: bytes) -> None:
        assert self.next_seq is not None
        self.buffer += data
        self.next_seq = (self.next_seq + len(data)) % _WRAP

    def _lines(self, packet: int, at: float) -> list[Line]:
        lines: list[Line] = []
        while True:
            end = self.buffer.find(b"\n")
            if end < 0:
                if len(self.buffer) > MAX_LINE:
                    lines.append(Line(bytes(self.buffer), packet, at))
                    self.buffer.clear()
                return lines
            lines.append(Line(bytes(self.buffer[:end]).rstrip(b"\r"), packet, at))
            del self.buffer[: end + 1]

    def rest(self, packet: int, at: float) -> list[Line]:
        """An unterminated last line, at the end of the capture."""
        if not self.buffer:
            return []
        line = Line(bytes(self.buffer).rstrip(b"\r"), packet, at)
        self.buffer.clear()
        return [line]
