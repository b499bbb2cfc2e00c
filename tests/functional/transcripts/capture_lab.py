"""A loopback SMTP server and the scenarios every capture-format test drives a real program through.

The server is the shared lab server (tests/support/smtp_lab.py) with STARTTLS offered (certificate made at
start by trustme), AUTH allowed in clear text (so AUTH before TLS can be captured), PIPELINING advertised only
when asked, and `bounce@` recipients refused with 550 5.1.1. Each scenario names what the sequence validator
must find.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import trustme

from tests.support.smtp_lab import USER, SmtpLab, free_port, smtp_lab

__all__ = ["FROM", "PASSWORD", "REFUSED", "SCENARIOS", "SMTPLIB_SCRIPT", "TO", "TOOLS", "USER", "Lab", "free_port"]

PASSWORD = "capture-lab-secret"
FROM, TO, REFUSED = "canary@example.com", "inbox@example.com", "bounce@example.com"
ROOT = Path(__file__).resolve().parents[3]
TOOLS = ROOT / ".tools"  # npm packages installed by scripts/capture-tools.sh


@dataclass(frozen=True)
class Scenario:
    name: str
    rules: tuple[str, ...] = ()  # the client rules the validator must name, in order of first appearance

    @property
    def valid(self) -> bool:
        return not self.rules


SCENARIOS = {
    s.name: s
    for s in (
        Scenario("ok"),
        Scenario("refused-recipient"),
        Scenario("data-before-rcpt", ("rcpt-before-data",)),
        Scenario("rcpt-before-mail", ("mail-before-rcpt",)),
        Scenario("mail-before-ehlo", ("helo-before-mail",)),
        Scenario("pipelining-not-advertised", ("pipelining-not-advertised",)),
        Scenario("auth-before-tls", ("auth-before-tls",)),
        Scenario("no-ehlo-after-starttls", ("ehlo-after-starttls",)),
    )
}


Lab = SmtpLab


@contextmanager
def lab_server(tmp: Path, *, pipelining: bool = False) -> Iterator[SmtpLab]:
    """The server, running until the block ends; `ca_file` is the CA that signed its certificate. AUTH is
    allowed before STARTTLS, so that clients doing it can be captured."""
    with smtp_lab(trustme.CA(), tmp / "lab-ca.pem", password=PASSWORD, pipelining=pipelining) as lab:
        yield lab


def program(name: str) -> str | None:
    return shutil.which(name)


SMTPLIB_SCRIPT = str(Path(__file__).resolve().parent / "smtplib_capture.py")  # run as a script, own stderr
