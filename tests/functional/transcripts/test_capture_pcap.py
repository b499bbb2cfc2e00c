"""Packet captures made by the real tcpdump on the loopback interface, of smtplib driving each scenario.

TCP streams are reassembled by the reader; the same capture rewritten with a retransmitted and two swapped
segments, and converted to pcapng (by dpkt), must give the same verdict. After STARTTLS the stream is
TLS, so the session is judged up to the handshake and reported as encrypted from there.
"""

from __future__ import annotations

import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import dpkt
import pytest
from capture_lab import SCENARIOS, SMTPLIB_SCRIPT, lab_server
from judge import judge, rules_of

pytestmark = pytest.mark.filterwarnings("ignore:Session.login_data is deprecated:DeprecationWarning")

# on the wire, MAIL after STARTTLS is encrypted: nothing can be judged past the handshake
EXPECTED = {name: set(s.rules) for name, s in SCENARIOS.items()} | {"no-ehlo-after-starttls": set()}


def _tcpdump(path: Path, port: int) -> subprocess.Popen[bytes]:
    if shutil.which("tcpdump") is None:
        pytest.skip("tcpdump is not installed (scripts/capture-tools.sh installs it)")
    args = ["tcpdump", "-i", "lo", "-U", "-n", "-w", str(path), f"tcp port {port}"]
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    ready, _, _ = select.select([proc.stderr], [], [], 10)
    line = proc.stderr.readline() if ready else b""
    if b"listening on" not in line:
        proc.kill()
        proc.wait(5)
        proc.stderr.close()
        pytest.skip(f"tcpdump cannot capture on lo here: {line.decode(errors='replace').strip()}")
    time.sleep(0.5)  # the filter is attached once it says it listens; give the kernel a moment
    return proc


def capture(tmp_path: Path, scenario: str) -> tuple[Path, int]:
    path = tmp_path / f"{scenario}.pcap"
    with lab_server(tmp_path) as lab:
        dump = _tcpdump(path, lab.port)
        try:
            args = [sys.executable, SMTPLIB_SCRIPT, lab.host, str(lab.port), "0", scenario, str(lab.ca_file)]
            subprocess.run(args, capture_output=True, timeout=60, check=False)
            time.sleep(0.5)
        finally:
            dump.send_signal(signal.SIGINT)
            dump.wait(10)
            if dump.stderr is not None:
                dump.stderr.close()
    return path, lab.port


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_given_a_tcpdump_capture_of_a_scenario_when_checked_then_the_session_is_judged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    # Given tcpdump's capture of one scenario on a port that is not a default SMTP port
    path, port = capture(tmp_path, name)
    # When checked with --port
    _, report = judge(path, capsys, "--port", str(port))
    # Then one session, judged as the scenario says; after STARTTLS it is reported encrypted
    assert report["format"] == "pcap"
    (session,) = report["sessions"]
    assert rules_of(session) == EXPECTED[name]
    assert session["valid"] is (not EXPECTED[name])
    assert ("encrypted_at" in session) is (name == "no-ehlo-after-starttls")
    assert session["commands"] >= 1


def _rewrite(source: Path, target: Path, *, pcapng: bool = False, shuffle: bool = False) -> None:
    """The same packets, optionally with one data segment sent twice and two swapped (as on a lossy link)."""
    with source.open("rb") as handle:
        reader = dpkt.pcap.Reader(handle)
        packets = list(reader)
        link = reader.datalink()
    if shuffle:
        data = [n for n, (_, frame) in enumerate(packets) if dpkt.ethernet.Ethernet(frame).data.data.data]
        first, second = data[2], data[3]
        packets[first], packets[second] = packets[second], packets[first]
        packets.insert(data[5] + 1, packets[data[5]])  # a retransmission
    with target.open("wb") as out:
        writer = dpkt.pcapng.Writer(out, linktype=link) if pcapng else dpkt.pcap.Writer(out, linktype=link)
        for at, frame in packets:
            writer.writepkt(frame, ts=at)


@pytest.mark.parametrize("variant", ["retransmitted-and-reordered", "pcapng"])
def test_given_the_same_capture_rewritten_when_checked_then_the_verdict_is_the_same(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], variant: str
) -> None:
    path, port = capture(tmp_path, "data-before-rcpt")
    rewritten = tmp_path / f"{variant}.cap"
    _rewrite(path, rewritten, pcapng=variant == "pcapng", shuffle=variant != "pcapng")
    _, original = judge(path, capsys, "--port", str(port))
    _, again = judge(rewritten, capsys, "--port", str(port))
    assert again["format"] == "pcap"
    strip = ("line",)
    for key in ("violations", "server_refusals"):
        assert [{k: v for k, v in f.items() if k not in strip} for f in again["sessions"][0][key]] == [
            {k: v for k, v in f.items() if k not in strip} for f in original["sessions"][0][key]
        ]
    assert again["sessions"][0]["commands"] == original["sessions"][0]["commands"]
