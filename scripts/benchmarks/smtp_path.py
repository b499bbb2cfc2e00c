"""The SMTP canary's cost: our recording session against a bare smtplib send of the same message.

Target row (issue 2, at most 1.10x): the session as users run it — STARTTLS (TLS `required`, the
default), certificate and hostname verified against the lab endpoint's generated CA, AUTH PLAIN, then
MAIL/RCPT/DATA/QUIT — against a bare smtplib send doing the same STARTTLS+EHLO+AUTH+MAIL/RCPT/DATA/QUIT
with the same kind of TLS context (`ssl.create_default_context(cafile=...)`, built per send by both, as
one canary run does), the same message, to the same server, alternately.

Where the server runs. A real SMTP endpoint is another machine: its work overlaps with the client's.
The target row therefore runs the lab endpoint in a separate process (spawned, so it shares nothing
with the client), which is what users get. With the endpoint inside this interpreter, its asyncio loop
and TLS work compete with the client for one GIL, so every microsecond the client spends recording is
added to the wall time twice over; that in-process figure is kept as an info row, as is the plain
session (no TLS, no AUTH — what this benchmark measured before, in process) which shows the recording
overhead alone against the cheapest possible round trip.

Figures: medians of interleaved samples (the ratio of medians is the row's ratio); the note adds the
median of the ratios of neighbouring samples, which load drift on a shared machine moves less.
"""

from __future__ import annotations

import multiprocessing
import secrets
import smtplib
import ssl
import statistics
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection

from mailcanary.core.secret import Secret
from mailcanary.lab.smtp_endpoint import LabSmtpEndpoint, LabTls
from mailcanary.smtp import SmtpTarget, TlsMode, send_canary
from mailcanary.smtp.probe_message import build_probe_message
from mailcanary.smtp.target import Timeouts
from scripts.benchmarks._common import Row, interleaved_samples, paired_ratio

SENDER = "canary@example.com"
RECIPIENT = "success@simulator.amazonses.com"
TARGET = 1.10
_TIMEOUTS = Timeouts(connect=5, banner=5, command=5, data_end=10)


@dataclass(frozen=True)
class _Endpoint:
    host: str
    port: int
    ca_file: str | None
    username: str | None
    password: str | None


def _serve(conn: Connection, tls: str, auth: bool, password: str) -> None:
    """Child process: run the lab endpoint until the parent says stop."""
    with LabSmtpEndpoint(tls=LabTls(tls), require_auth=auth, password=Secret(password)) as endpoint:
        conn.send((endpoint.host, endpoint.port, endpoint.ca_file, endpoint.username))
        conn.recv()  # blocks until the parent is done


@contextmanager
def _endpoint(tls: LabTls, auth: bool, *, separate_process: bool) -> Iterator[_Endpoint]:
    password = secrets.token_urlsafe(18)
    if not separate_process:
        with LabSmtpEndpoint(tls=tls, require_auth=auth, password=Secret(password)) as lab:
            yield _Endpoint(lab.host, lab.port, lab.ca_file, lab.username if auth else None, password if auth else None)
        return
    parent, child = multiprocessing.get_context("spawn").Pipe()
    process = multiprocessing.get_context("spawn").Process(target=_serve, args=(child, tls.value, auth, password))
    process.start()
    try:
        if not parent.poll(30):
            raise RuntimeError("lab SMTP endpoint process did not start within 30 s")
        host, port, ca_file, username = parent.recv()
        yield _Endpoint(host, port, ca_file, username if auth else None, password if auth else None)
    finally:
        parent.send("stop")
        process.join(10)
        if process.is_alive():
            process.terminate()
            process.join(5)


def _pair(endpoint: _Endpoint, message: bytes) -> tuple[Callable[[], None], Callable[[], None]]:
    tls = endpoint.ca_file is not None
    target = SmtpTarget(
        endpoint.host,
        endpoint.port,
        tls=TlsMode.REQUIRED if tls else TlsMode.NONE,
        ca_file=endpoint.ca_file,
        username=endpoint.username,
        password=Secret(endpoint.password) if endpoint.password is not None else None,
        timeouts=_TIMEOUTS,
    )

    def canary() -> None:
        result = send_canary(target, SENDER, [RECIPIENT], message)
        if not result.ok or result.tls is not tls or result.authenticated is not (endpoint.username is not None):
            raise RuntimeError(f"benchmark canary failed: {result.error}")

    def bare() -> None:
        with smtplib.SMTP(endpoint.host, endpoint.port, local_hostname="localhost", timeout=10) as client:
            client.ehlo()
            if tls:
                client.starttls(context=ssl.create_default_context(cafile=endpoint.ca_file))
                client.ehlo()
            if endpoint.username is not None and endpoint.password is not None:
                client.login(endpoint.username, endpoint.password)
            client.mail(SENDER)
            client.rcpt(RECIPIENT)
            client.data(message)

    return canary, bare


def _row(name: str, baseline: str, ours: list[float], bare: list[float], target: float | None) -> Row:
    return Row(
        name=name,
        baseline=baseline,
        value=statistics.median(ours),
        baseline_value=statistics.median(bare),
        target=target,
        note=f"median of paired ratios {paired_ratio(ours, bare):.3f}x, n={len(ours)}",
    )


def _measure(tls: bool, *, separate_process: bool, quick: bool, repeats: int) -> tuple[list[float], list[float]]:
    message = build_probe_message(SENDER, [RECIPIENT]).content
    lab_tls = LabTls.STARTTLS if tls else LabTls.NONE
    with _endpoint(lab_tls, auth=tls, separate_process=separate_process) as endpoint:
        canary, bare = _pair(endpoint, message)
        return interleaved_samples(canary, bare, repeats=10 if quick else repeats, warmup=3 if quick else 30)


def run(quick: bool) -> list[Row]:
    tls_out = _measure(True, separate_process=True, quick=quick, repeats=600)
    tls_in = _measure(True, separate_process=False, quick=quick, repeats=300)
    plain_in = _measure(False, separate_process=False, quick=quick, repeats=600)
    full = "bare smtplib STARTTLS/AUTH/MAIL/RCPT/DATA"
    return [
        _row("SMTP canary: STARTTLS+AUTH, server in own process", full, *tls_out, TARGET),
        _row("SMTP canary: STARTTLS+AUTH, server in-process (GIL)", full, *tls_in, None),
        _row("SMTP canary: plain, server in-process (GIL)", "bare smtplib EHLO/MAIL/RCPT/DATA/QUIT", *plain_in, None),
    ]
