"""Capture real Exim and OpenSMTPD server logs for tests/data/transcripts, on a Debian machine that runs Postfix.

Debian installs one MTA at a time, and this project's lab runs Postfix, so neither Exim nor OpenSMTPD is
installed: this script downloads their Debian packages (`apt-get download`), unpacks them into a temporary
folder (`dpkg-deb -x`, nothing installed), and runs each server from there in the foreground on 127.0.0.1
with a configuration written here. It then drives the SMTP sessions below over raw sockets (so commands can be
sent out of order, before the greeting, or pipelined when PIPELINING was not advertised) and copies each
server's own output, unedited, into the sample folder:

Each file keeps what the server wrote from the moment it was listening (its start-up lines and the script's
readiness probes are left out); nothing else is cut or changed.

- `sessions.exim-d.log`: `exim -bd -d+pid` debug output (stderr): three
  sessions whose commands interleave (one refused recipient then a delivery; DATA after the only RCPT was
  refused; RCPT before MAIL), then MAIL before EHLO, AUTH when not advertised, a client talking before the
  greeting and one pipelining although PIPELINING was not advertised.
- `mainlog.exim.log`: Exim's main log of the same run (`log_selector = +smtp_protocol_error
  +smtp_syntax_error`, so protocol errors are logged as many sites log them).
- `sessions.opensmtpd-T-smtp.log`: `smtpd -d -T smtp` output: MAIL before EHLO; one refused recipient then a
  delivery; DATA with no RCPT.

It must run as root (both servers drop privileges to their own system users, which it creates if missing, as
the packages' maintainer scripts would). Only 127.0.0.1 is used. Run:
    sudo python3 scripts/capture_mta_logs.py [--out tests/data/transcripts]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

HOST = "127.0.0.1"
DOMAIN = "mailcanary.test"
SENDER = "canary@example.com"
DUMMY_AUTH = "AGNhbmFyeQBub3QtYS1zZWNyZXQ="  # "\0canary\0not-a-secret": exists only for this capture
PACKAGES = ("exim4-daemon-light", "exim4-base", "opensmtpd")
SYSTEM_USERS = ("Debian-exim", "opensmtpd", "opensmtpq")
SESSION_TIMEOUT = 10.0
MESSAGE = ["Subject: mailcanary capture", "", "A canary captured for check-transcript's samples.", "."]

EXIM_CONFIG = """\
keep_environment =
primary_hostname = mx.{domain}
domainlist local_domains = {domain}
log_file_path = {logs}/%slog
spool_directory = {spool}
local_interfaces = <; {host}.{port} ; {host}.{slow_port}
queue_only = true
tls_advertise_hosts =
pipelining_connect_advertise_hosts = :
pipelining_advertise_hosts = ${{if eq{{$received_port}}{{{slow_port}}}{{:}}{{*}}}}
log_selector = +smtp_protocol_error +smtp_syntax_error
acl_smtp_connect = acl_check_connect
acl_smtp_rcpt = acl_check_rcpt
begin acl
acl_check_connect:
  accept condition = ${{if eq{{$received_port}}{{{slow_port}}}}}
         delay = 1s
  accept
acl_check_rcpt:
  accept local_parts = inbox : to : cc
         domains = +local_domains
  deny message = Unrouteable address
begin routers
local:
  driver = accept
  domains = +local_domains
  transport = discard
begin transports
discard:
  driver = appendfile
  file = /dev/null
"""

OPENSMTPD_CONFIG = """\
table recipients file:{recipients}
listen on {host} port {port} hostname mx.{domain}
action "discard" mda "/bin/cat > /dev/null" virtual <recipients>
match from any for domain "{domain}" action "discard"
"""


class Session:
    """One raw SMTP connection: send lines as written, read whole replies (bounded in time)."""

    def __init__(self, port: int, *, read_greeting: bool = True) -> None:
        self.sock = socket.create_connection((HOST, port), timeout=SESSION_TIMEOUT)
        self.replies = self.sock.makefile("rb")
        if read_greeting:
            self.reply()

    def reply(self) -> list[str]:
        lines: list[str] = []
        while len(lines) < 100:
            line = self.replies.readline(4096).decode("utf-8", "replace").rstrip("\r\n")
            lines.append(line)
            if len(line) < 4 or line[3] != "-":
                break
        return lines

    def send(self, *commands: str) -> list[list[str]]:
        """Write the commands in one write (pipelined when more than one), then read one reply each."""
        self.sock.sendall("".join(f"{command}\r\n" for command in commands).encode())
        replies = []
        for _ in commands:
            try:
                replies.append(self.reply())
            except OSError:
                break
        return replies

    def message(self) -> list[str]:
        self.sock.sendall("".join(f"{line}\r\n" for line in MESSAGE).encode())
        return self.reply()

    def close(self) -> None:
        self.replies.close()
        self.sock.close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def unpack(work: Path) -> Path:
    root = work / "root"
    subprocess.run(["apt-get", "download", *PACKAGES], cwd=work, check=True)
    for package in sorted(work.glob("*.deb")):
        subprocess.run(["dpkg-deb", "-x", str(package), str(root)], check=True)
    return root


def ensure_system_users() -> None:
    for user in SYSTEM_USERS:
        if subprocess.run(["id", user], capture_output=True, check=False).returncode != 0:
            command = ["useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent"]
            subprocess.run([*command, "--shell", "/usr/sbin/nologin", user], check=True)
    Path("/var/lib/opensmtpd/empty").mkdir(parents=True, exist_ok=True)  # its compiled-in chroot
    spool = Path("/var/spool/smtpd")
    spool.mkdir(parents=True, exist_ok=True)
    spool.chmod(0o711)


def wait_listening(ports: Sequence[int], deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            for port in ports:
                socket.create_connection((HOST, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the server did not listen on {ports} in time")


@contextmanager
def running(command: Sequence[str], output: Path, ports: Sequence[int], kept: Path) -> Iterator[None]:
    """Run the server with its output in `output`; keep in `kept` what it wrote after it was ready (its
    start-up and the readiness probes, which are sessions too, are left out)."""
    with output.open("wb") as sink:
        server = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
        try:
            wait_listening(ports, time.monotonic() + 30)
            time.sleep(1.5)  # the probes' sessions end (the slow port holds its greeting a second)
            start = output.stat().st_size
            yield
            time.sleep(1.0)  # let the server write its last lines
            kept.write_bytes(output.read_bytes()[start:])
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def exim_sessions(port: int, slow_port: int) -> None:
    # Three sessions whose commands interleave, as on a busy server.
    a, b, c = Session(port), Session(port), Session(port)
    for each in (a, b, c):
        each.send("EHLO client.example")
    a.send(f"MAIL FROM:<{SENDER}>")
    b.send(f"MAIL FROM:<{SENDER}>")
    c.send(f"RCPT TO:<inbox@{DOMAIN}>")  # RCPT before MAIL: 503 sender not yet given
    a.send(f"RCPT TO:<nobody@{DOMAIN}>")  # 550 Unrouteable address
    b.send(f"RCPT TO:<nobody@{DOMAIN}>")
    a.send(f"RCPT TO:<inbox@{DOMAIN}>")
    b.send("DATA")  # the only RCPT was refused: 503 Valid RCPT command must precede DATA
    a.send("DATA")
    a.message()
    for each in (c, b, a):
        each.send("QUIT")
        each.close()
    # MAIL before EHLO
    session = Session(port)
    session.send(f"MAIL FROM:<{SENDER}>")
    session.send("QUIT")
    session.close()
    # AUTH when no authenticator is configured (so not advertised)
    session = Session(port)
    session.send("EHLO client.example")
    session.send(f"AUTH PLAIN {DUMMY_AUTH}")
    session.send("QUIT")
    session.close()
    # Talking before the greeting (the slow port holds its greeting back for a second)
    session = Session(slow_port, read_greeting=False)
    session.send("EHLO client.example")
    session.close()
    # Pipelining although the slow port does not advertise PIPELINING
    session = Session(slow_port)
    session.send("EHLO client.example")
    session.send(f"MAIL FROM:<{SENDER}>", f"RCPT TO:<inbox@{DOMAIN}>", "QUIT")
    session.close()


def opensmtpd_sessions(port: int) -> None:
    session = Session(port)
    session.send(f"MAIL FROM:<{SENDER}>")  # before EHLO: 503 Command not allowed at this point
    session.send("QUIT")
    session.close()
    session = Session(port)
    session.send("EHLO client.example")
    session.send(f"MAIL FROM:<{SENDER}>")
    session.send(f"RCPT TO:<nobody@{DOMAIN}>")
    session.send(f"RCPT TO:<inbox@{DOMAIN}>")
    session.send("DATA")
    session.message()
    session.send("QUIT")
    session.close()
    session = Session(port)
    session.send("EHLO client.example")
    session.send(f"MAIL FROM:<{SENDER}>")
    session.send("DATA")  # no RCPT: 503 No recipient specified
    session.send("QUIT")
    session.close()


def capture_exim(root: Path, work: Path, out: Path) -> None:
    logs, spool = work / "exim-log", work / "exim-spool"
    for folder in (logs, spool):
        folder.mkdir()
        shutil.chown(folder, "Debian-exim", "Debian-exim")
    port, slow_port = free_port(), free_port()
    config = work / "exim.conf"
    config.write_text(
        EXIM_CONFIG.format(domain=DOMAIN, logs=logs, spool=spool, host=HOST, port=port, slow_port=slow_port)
    )
    command = [str(root / "usr/sbin/exim4"), "-C", str(config), "-bd", "-d+pid"]
    with running(command, work / "exim-debug.log", (port, slow_port), out / "sessions.exim-d.log"):
        (logs / "mainlog").unlink(missing_ok=True)  # start-up and the readiness probes
        exim_sessions(port, slow_port)
    shutil.copyfile(logs / "mainlog", out / "mainlog.exim.log")


def capture_opensmtpd(root: Path, work: Path, out: Path) -> None:
    recipients = work / "recipients"
    recipients.write_text("".join(f"{name}@{DOMAIN} nobody\n" for name in ("inbox", "to", "cc")))
    port = free_port()
    config = work / "smtpd.conf"
    config.write_text(OPENSMTPD_CONFIG.format(recipients=recipients, host=HOST, port=port, domain=DOMAIN))
    for path in (recipients, config):
        path.chmod(0o644)
    command = [str(root / "usr/sbin/smtpd"), "-d", "-T", "smtp", "-f", str(config)]
    with running(command, work / "opensmtpd.log", (port,), out / "sessions.opensmtpd-T-smtp.log"):
        opensmtpd_sessions(port)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_out = Path(__file__).resolve().parent.parent / "tests" / "data" / "transcripts"
    parser.add_argument("--out", type=Path, default=default_out)
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        print("run as root: both servers drop privileges to their own system users", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="mailcanary-mta-") as folder:
        work = Path(folder)
        work.chmod(0o755)
        root = unpack(work)
        ensure_system_users()
        capture_exim(root, work, args.out)
        capture_opensmtpd(root, work, args.out)
    print(f"wrote sessions.exim-d.log, mainlog.exim.log, sessions.opensmtpd-T-smtp.log into {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
