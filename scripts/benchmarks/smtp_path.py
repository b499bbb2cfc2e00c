"""The SMTP canary's cost: our recording session against a bare smtplib send of the same message.

Both talk plain SMTP (no STARTTLS, no AUTH) to the lab endpoint on 127.0.0.1, alternately, the same
message to the same server, so the ratio shows what recording the transcript, classifying replies and
driving the stages one by one costs. The endpoint runs in this interpreter: its work and the client's
share one GIL, so every microsecond the client spends recording adds to the wall time (a remote server
would overlap with it) — the harshest setting, kept on purpose. The note adds the median of the ratios
of neighbouring samples, which load drift on a shared machine moves less than the ratio of medians.
"""

from __future__ import annotations

import smtplib
import statistics

from mailcanary.lab.smtp_endpoint import LabSmtpEndpoint, LabTls
from mailcanary.smtp import SmtpTarget, TlsMode, send_canary
from mailcanary.smtp.probe_message import build_probe_message
from scripts.benchmarks._common import Row, interleaved_samples, paired_ratio

SENDER = "canary@example.com"
RECIPIENT = "success@simulator.amazonses.com"


def run(quick: bool) -> list[Row]:
    message = build_probe_message(SENDER, [RECIPIENT])
    with LabSmtpEndpoint(tls=LabTls.NONE, require_auth=False) as endpoint:
        target = SmtpTarget(endpoint.host, endpoint.port, tls=TlsMode.NONE)

        def canary() -> None:
            result = send_canary(target, SENDER, [RECIPIENT], message.content)
            if not result.ok:
                raise RuntimeError(f"benchmark canary failed: {result.error}")

        def bare() -> None:
            with smtplib.SMTP(endpoint.host, endpoint.port, local_hostname="localhost", timeout=10) as client:
                client.ehlo()
                client.mail(SENDER)
                client.rcpt(RECIPIENT)
                client.data(message.content)

        ours, bare_samples = interleaved_samples(canary, bare, repeats=10 if quick else 600, warmup=3 if quick else 30)
    subject, baseline = statistics.median(ours), statistics.median(bare_samples)
    return [
        Row(
            name="SMTP canary send (recording session, plain)",
            baseline="bare smtplib EHLO/MAIL/RCPT/DATA/QUIT",
            value=subject,
            baseline_value=baseline,
            target=1.10,
            note=f"median of paired ratios {paired_ratio(ours, bare_samples):.3f}x",
        )
    ]
