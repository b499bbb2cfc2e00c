"""socat -v between smtplib and the lab server: the relay's own dump of every scenario, judged.

socat listens on a free loopback port and relays to the lab server; `>` blocks are the client's, `<` the
server's. Every scenario smtplib can produce is captured this way.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from capture_lab import SCENARIOS, SMTPLIB_SCRIPT, free_port, lab_server
from judge import judge, rules_of

pytestmark = pytest.mark.filterwarnings("ignore:Session.login_data is deprecated:DeprecationWarning")


def _listening(port: int) -> bool:
    """Whether a socket listens on 127.0.0.1:port (read from /proc: connecting would be relayed and dumped)."""
    wanted = f"0100007F:{port:04X}"
    table = Path("/proc/net/tcp").read_text().splitlines()[1:]
    return any(line.split()[1] == wanted and line.split()[3] == "0A" for line in table)


def capture(tmp_path: Path, scenario: str) -> Path:
    if shutil.which("socat") is None:
        pytest.skip("socat is not installed (scripts/capture-tools.sh installs it)")
    path = tmp_path / f"{scenario}.socat.log"
    with lab_server(tmp_path) as lab, path.open("wb") as dump:
        relay_port = free_port()
        listen = f"TCP-LISTEN:{relay_port},bind=127.0.0.1,reuseaddr"
        relay = subprocess.Popen(["socat", "-v", listen, f"TCP:{lab.host}:{lab.port}"], stderr=dump)
        try:
            deadline = time.monotonic() + 10
            while not _listening(relay_port) and time.monotonic() < deadline and relay.poll() is None:
                time.sleep(0.05)
            args = [sys.executable, SMTPLIB_SCRIPT, "127.0.0.1", str(relay_port), "0", scenario, str(lab.ca_file)]
            subprocess.run(args, capture_output=True, timeout=60, check=False)
            relay.wait(10)  # socat without fork ends with its one connection
        finally:
            if relay.poll() is None:
                relay.kill()
                relay.wait(5)
    return path


# MAIL after STARTTLS travels inside TLS: socat shows the handshake bytes, not the command
EXPECTED = {name: set(s.rules) for name, s in SCENARIOS.items()} | {"no-ehlo-after-starttls": set()}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_given_socat_dump_of_a_scenario_when_checked_then_it_is_judged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    path = capture(tmp_path, name)
    code, report = judge(path, capsys)
    assert report["format"] == "socat"
    assert rules_of(report) == EXPECTED[name]
    assert ("encrypted_at" in report) is (name == "no-ehlo-after-starttls")
    assert (code, report["valid"]) == ((0, True) if not EXPECTED[name] else (1, False))
