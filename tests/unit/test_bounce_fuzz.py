"""Property: arbitrary bytes given to the bounce parser yield a report or a typed error, nothing else."""

from __future__ import annotations

import contextlib
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailcanary.bounce import BounceKind, BounceParseError, BounceReport, parse_bounce

BOUNCES = Path(__file__).resolve().parents[1] / "data" / "bounces"
SAMPLES = [p.read_bytes() for p in sorted(BOUNCES.glob("*.eml"))]
# A generous per-input deadline: a bound on runaway inputs (regex backtracking), not a speed assertion.
FUZZ = settings(max_examples=300, deadline=timedelta(seconds=2), suppress_health_check=[HealthCheck.too_slow])

_LINES = st.sampled_from(
    [b"Content-Type: multipart/report; report-type=delivery-status; boundary=b", b"--b", b"--b--",
     b"Content-Type: message/delivery-status", b"Content-Type: message/feedback-report",
     b"Content-Type: message/rfc822", b"Content-Type: text/plain; charset=x-unknown",
     b"Content-Transfer-Encoding: base64", b"Content-Transfer-Encoding: quoted-printable",
     b"Final-Recipient: rfc822; a@example.com", b"Action: failed", b"Status: 5.1.1", b"Diagnostic-Code: smtp; 550",
     b"X-Failed-Recipients: a@example.com", b"From: MAILER-DAEMON@example.com", b"Auto-Submitted: auto-replied",
     b"The following address(es) failed:", b"  a@example.com", b"<a@example.com>:", b"", b"=?utf-8?q?=FF?="]
)  # fmt: skip


@FUZZ
@given(data=st.binary(max_size=2000))
def test_given_arbitrary_bytes_when_parsed_then_report_or_typed_error(data: bytes) -> None:
    with contextlib.suppress(BounceParseError):
        assert isinstance(parse_bounce(data), BounceReport)


@FUZZ
@given(lines=st.lists(_LINES | st.binary(max_size=40), max_size=40))
def test_given_bounce_shaped_lines_when_parsed_then_report_or_typed_error(lines: list[bytes]) -> None:
    with contextlib.suppress(BounceParseError):
        report = parse_bounce(b"\n".join(lines))
        assert report.kind is not BounceKind.NOT_BOUNCE or report.recipients == ()


@FUZZ
@given(sample=st.sampled_from(SAMPLES), cut=st.integers(min_value=0), noise=st.binary(max_size=64))
def test_given_truncated_or_corrupted_sample_when_parsed_then_report_or_typed_error(
    sample: bytes, cut: int, noise: bytes
) -> None:
    at = cut % (len(sample) + 1)
    with contextlib.suppress(BounceParseError):
        assert isinstance(parse_bounce(sample[:at] + noise + sample[at:][: len(sample) // 2]), BounceReport)
