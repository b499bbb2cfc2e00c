"""The guard's cost per send on hostile address headers that stay inside every parsing limit.

Each row: the guard's check of one SendRawEmail (`check_send_raw_email`, the work the installed hook does
before botocore builds the request) on a message whose To header is 4 KiB of one hostile run, or a genuine
list of 49 quoted display names, against the same check on an ordinary canary message; medians of
interleaved runs. The standard library's parser reads these runs in time that grows with the square of
their length (0.07-0.3 s per send before the linear reader of `recipients.quoted`); the absolute target is
about 1 ms extra per send, and the note says whether it was met. Runs the registry still reads itself
(invalid forms: a display name that starts with periods, backslashes outside quotes) are rows too, marked
"(registry)", so what is left is visible.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable

from mailcanary.guard import check_send_raw_email
from mailcanary.message.build import build_canary
from scripts.benchmarks._common import Row, interleaved_samples

TARGET_EXTRA_MS = 1.0
RECIPIENT = "a@example.com"
HOSTILE = {
    "4 KiB of empty quoted strings": '""' * 2040 + f" <{RECIPIENT}>",
    "4 KiB of spaced empty quoted strings": '"" ' * 1360 + f"<{RECIPIENT}>",
    "4 KiB of dotted words": "a." * 2040 + f" <{RECIPIENT}>",
    "4 KiB of escaped backslashes in quotes": '"' + "\\\\" * 2030 + f'" <{RECIPIENT}>',
    "49 quoted display names": ", ".join(f'"User {i}, Ops" <user{i}@example.com>' for i in range(49)),
    "4 KiB of periods before the name (registry)": "." * 4080 + f" <{RECIPIENT}>",
    "4 KiB of periods in the local part": "a" + "." * 4080 + "a@example.com",
    "4 KiB of backslashes outside quotes (registry)": "\\" * 4080 + f" <{RECIPIENT}>",
}


def _message(to: str) -> bytes:
    return f"From: canary@example.com\r\nTo: {to}\r\nSubject: canary\r\n\r\nbody\r\n".encode()


def _check(raw: bytes, envelope: list[str]) -> Callable[[], object]:
    params = {"Source": "canary@example.com", "Destinations": envelope, "RawMessage": {"Data": raw}}
    return lambda: check_send_raw_email(params)


def run(quick: bool) -> list[Row]:
    repeats = 5 if quick else 41
    canary = build_canary("c000001", "Canary <canary@example.com>", [RECIPIENT], [], [])
    ordinary = _check(canary.raw, list(canary.envelope_recipients))
    rows = []
    for name, to in HOSTILE.items():
        envelope = [f"user{i}@example.com" for i in range(49)] if "49" in name else [RECIPIENT]
        subject, baseline = interleaved_samples(_check(_message(to), envelope), ordinary, repeats, warmup=2)
        ours, base = statistics.median(subject), statistics.median(baseline)
        extra_ms = (ours - base) * 1e3
        verdict = "met" if extra_ms <= TARGET_EXTRA_MS else "MISSED"
        note = f"{extra_ms:+.2f} ms/send; absolute target ~{TARGET_EXTRA_MS:.0f} ms extra: {verdict}"
        rows.append(Row(f"guard: To = {name}", "guard on an ordinary canary", ours, base, None, note=note))
    return rows
