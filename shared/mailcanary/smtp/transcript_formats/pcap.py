"""Packet captures (pcap and pcapng, from tcpdump or Wireshark) of plaintext SMTP, one session per TCP connection.

TCP streams are reassembled (see `tcp_streams`) on the SMTP ports (25, 465, 587, 2525, or `--port`). After
a 220 answers STARTTLS the rest of the connection is TLS: it is reported as encrypted, and the session is
judged up to the handshake. A connection that starts with a TLS record (implicit TLS, port 465) is
encrypted from its first byte. Needs dpkt (`pip install 'mailcanary[cli]'`), imported only here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from mailcanary.smtp.errors import TranscriptFormatError
from mailcanary.smtp.transcript_formats.base import CapturedSession, SessionBuilder, decode
from mailcanary.smtp.transcript_formats.tcp_streams import HalfStream, Line

__all__ = ["DEFAULT_PORTS", "READER"]

DEFAULT_PORTS = (25, 465, 587, 2525)
_MAGICS = (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d", b"\x0a\x0d\x0d\x0a")
_TLS_RECORD = (b"\x16\x03", b"\x15\x03", b"\x17\x03")


@dataclass(slots=True)
class _Connection:
    label: str
    first_packet: int
    client: HalfStream = field(default_factory=HalfStream)
    server: HalfStream = field(default_factory=HalfStream)
    session: SessionBuilder = field(default_factory=SessionBuilder)
    encrypted: bool = False

    def take(self, lines: list[Line], from_client: bool) -> None:
        for line in lines:
            if self.encrypted:
                return
            if not self.session.lines and line.text[:2] in _TLS_RECORD:
                self.encrypted, self.session.encrypted_at = True, line.packet
                return
            text = decode(line.text)
            if from_client:
                self.session.client(text, line.packet, line.at)
            else:
                self.session.server(text, line.packet, line.at)
            if self.session.tls:  # a 220 answered STARTTLS: what follows is the TLS handshake
                self.encrypted, self.session.encrypted_at = True, line.packet + 1

    def build(self) -> CapturedSession:
        self.session.label = self.label
        self.session.first_line = self.first_packet
        return self.session.build()


def _packets(stream: IO[bytes]) -> Iterator[tuple[float, bytes, int]]:
    """(time, frame, link type) for each packet, from pcap or pcapng."""
    try:
        import dpkt
    except ImportError as exc:
        raise TranscriptFormatError("reading packet captures needs dpkt: pip install 'mailcanary[cli]'") from exc
    head = stream.read(4)
    stream.seek(0)
    try:
        reader: Any = dpkt.pcapng.Reader(stream) if head == b"\x0a\x0d\x0d\x0a" else dpkt.pcap.Reader(stream)
        link = reader.datalink()
        for at, frame in reader:
            yield float(at), bytes(frame), link
    except (ValueError, dpkt.dpkt.NeedData, dpkt.dpkt.UnpackError) as exc:
        raise TranscriptFormatError(f"packet capture unreadable: {exc or type(exc).__name__}") from exc


def _tcp(frame: bytes, link: int) -> tuple[Any, Any] | None:
    """(IP packet, TCP segment) of a frame, or None for anything else."""
    import dpkt

    try:
        if link == dpkt.pcap.DLT_EN10MB:
            ip = dpkt.ethernet.Ethernet(frame).data
        elif link in (dpkt.pcap.DLT_NULL, dpkt.pcap.DLT_LOOP):
            ip = dpkt.loopback.Loopback(frame).data
        elif link == dpkt.pcap.DLT_LINUX_SLL:
            ip = dpkt.sll.SLL(frame).data
        elif link == 276:  # LINUX_SLL2 (tcpdump -i any)
            ip = dpkt.sll2.SLL2(frame).data
        elif link in (dpkt.pcap.DLT_RAW, 12, 14, 101):
            ip = dpkt.ip.IP(frame) if frame[:1] and frame[0] >> 4 == 4 else dpkt.ip6.IP6(frame)
        else:
            return None
    except (dpkt.dpkt.UnpackError, dpkt.dpkt.NeedData, ValueError, IndexError, KeyError):
        return None
    if not isinstance(ip, dpkt.ip.IP | dpkt.ip6.IP6) or not isinstance(ip.data, dpkt.tcp.TCP):
        return None
    return ip, ip.data


def _address(raw: bytes) -> str:
    import socket

    family = socket.AF_INET if len(raw) == 4 else socket.AF_INET6
    return socket.inet_ntop(family, raw)


class _Reader:
    name = "pcap"
    description = "packet capture (pcap or pcapng) of plaintext SMTP; --port for other ports"
    multi_session = True

    def sniff(self, head: str, raw: bytes) -> bool:
        return raw[:4] in _MAGICS

    def read(self, stream: IO[bytes], ports: tuple[int, ...] = ()) -> Iterator[CapturedSession]:
        import dpkt

        smtp_ports = frozenset(ports or DEFAULT_PORTS)
        connections: dict[tuple[bytes, int, bytes, int], _Connection] = {}
        number = 0
        for number, (at, frame, link) in enumerate(_packets(stream), start=1):
            found = _tcp(frame, link)
            if found is None:
                continue
            ip, tcp = found
            from_client = tcp.dport in smtp_ports
            if not from_client and tcp.sport not in smtp_ports:
                continue
            key = (ip.src, tcp.sport, ip.dst, tcp.dport) if from_client else (ip.dst, tcp.dport, ip.src, tcp.sport)
            connection = connections.get(key)
            opening = bool(tcp.flags & dpkt.tcp.TH_SYN) and not tcp.flags & dpkt.tcp.TH_ACK and from_client
            if connection is None and not (opening or tcp.data):
                continue  # the last ACKs of a connection already judged
            if connection is None or opening:
                if connection is not None:
                    yield connections.pop(key).build()
                client, server = _address(key[0]), _address(key[2])
                connection = connections[key] = _Connection(f"{client}:{key[1]} > {server}:{key[3]}", number)
            half = connection.client if from_client else connection.server
            if tcp.flags & dpkt.tcp.TH_SYN:
                half.syn(tcp.seq)
            connection.take(half.segment(tcp.seq, bytes(tcp.data), number, at), from_client)
            if tcp.flags & (dpkt.tcp.TH_FIN | dpkt.tcp.TH_RST):
                half.closed = True
                connection.take(half.rest(number, at), from_client)
                if (connection.client.closed and connection.server.closed) or tcp.flags & dpkt.tcp.TH_RST:
                    yield connections.pop(key).build()
        for connection in connections.values():
            connection.take(connection.client.rest(number, 0.0), True)
            connection.take(connection.server.rest(number, 0.0), False)
            yield connection.build()


READER = _Reader()
