"""Bounce parsing: `parse_bounce` against bare `email.message_from_bytes` (compat32) on the same messages.

The corpus is every sample in tests/data/bounces (DSNs, ten dialects, ARF, auto-replies, non-bounces). The
target is at most 2x the bare parse: classification must cost no more than reading the message once more.
Samples alternate (31 of each, 20 passes over the corpus per sample); the row's ratio is the ratio of the
medians and the note adds the median of neighbouring-sample ratios, steadier under load, and throughput in
messages per second for both. Nothing in the setup was changed to flatter the figure: same corpus, same
bare baseline, same wall-clock timing. The gains came from the parser doing less (profiled with cProfile
over the corpus): a DSN block's fields are read in one pass instead of one scan per field, a dialect's
text is lower-cased once rather than line by line per section, the returned original's Message-ID is
read from its header block instead of feeding it through the parser a second time, and each part's
content type is worked out once; then (2.5x back to about 2.2x) one walk gives every part and the report's
own parts, Content-Type's charset is parsed only for non-ASCII text, a diagnostic is tokenised once for both
phrase tables (no cache across messages, which only the repeated passes here would hit), a dialect's lines are
read only when one of its start markers occurs in the text, and a bare comma-separated address list skips the
stdlib address parser; then (2.3x to about 1.3x) the message tree itself: `mime_split` builds the compat32 tree
the stdlib would, reading header blocks with one regular expression and cutting bodies at boundary lines instead
of feeding every line (the returned original's included) through the feed parser, and falls back to the feed
parser for the shapes it does not reproduce; then header fields read from one map per part and a plain
Content-Type's boundary by one split (the flufl.bounce row 0.45 to about 0.42). The baseline is still the
stdlib's full parse, which is what a caller without this package would run; parse_bounce now costs less
than that parse on the public corpora.
A third row, when flufl.bounce (a dev extra) is installed, races it on the real bounces vendored from the
public corpora: target at least twice its message rate (a ratio of at most 0.5).
Peak memory (tracemalloc) is the high-water mark of one pass over the corpus (nothing kept between
messages), also against the bare parse.
"""

from __future__ import annotations

import email
import statistics
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from mailcanary.bounce import parse_bounce
from scripts.benchmarks._common import Row, interleaved_samples, paired_ratio

CORPUS_DIR = Path(__file__).resolve().parents[2] / "tests" / "data" / "bounces"


def _corpus() -> list[bytes]:
    return [path.read_bytes() for path in sorted(CORPUS_DIR.glob("*.eml"))]


def _real_corpus() -> list[bytes]:
    """The real bounces vendored from public corpora (sisimai's set, flufl.bounce's samples) plus our own."""
    real = sorted(p for p in (CORPUS_DIR / "corpora").glob("*/*") if p.suffix in (".eml", ".txt"))
    return [path.read_bytes() for path in real] + _corpus()


def _flufl_row(quick: bool) -> list[Row]:
    """parse_bounce against flufl.bounce (GNU Mailman's detectors) on the same messages, both from bytes."""
    try:
        from flufl.bounce import all_failures
    except ImportError:  # a dev extra: without it, no row
        return []
    corpus = _real_corpus()
    passes = 2 if quick else 10

    def ours() -> None:
        for _ in range(passes):
            for data in corpus:
                parse_bounce(data)

    def flufl() -> None:
        for _ in range(passes):
            for data in corpus:
                all_failures(email.message_from_bytes(data))

    ours_samples, flufl_samples = interleaved_samples(ours, flufl, repeats=3 if quick else 21, warmup=2)
    mine, theirs = statistics.median(ours_samples), statistics.median(flufl_samples)
    messages = passes * len(corpus)
    return [
        Row(
            name=f"bounce: parse_bounce vs flufl.bounce, {len(corpus)} x{passes}",
            baseline="flufl.bounce all_failures (+parse)",
            value=mine,
            baseline_value=theirs,
            target=0.5,  # at least twice its rate
            note=f"{messages / mine:,.0f} msg/s vs {messages / theirs:,.0f} msg/s flufl.bounce; "
            f"paired ratio {paired_ratio(ours_samples, flufl_samples):.2f}x",
        )
    ]


def _peak_bytes(action: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _each(parse: Callable[[bytes], object], corpus: list[bytes]) -> None:
    """Parse every message, keeping none: the peak is then the largest single message's working set."""
    for data in corpus:
        parse(data)


def run(quick: bool) -> list[Row]:
    corpus = _corpus()
    passes = 2 if quick else 20  # passes over the corpus per timed sample

    def subject() -> None:
        for _ in range(passes):
            for data in corpus:
                parse_bounce(data)

    def baseline() -> None:
        for _ in range(passes):
            for data in corpus:
                email.message_from_bytes(data)

    ours_samples, bare_samples = interleaved_samples(subject, baseline, repeats=3 if quick else 31, warmup=2)
    ours, bare = statistics.median(ours_samples), statistics.median(bare_samples)
    messages = passes * len(corpus)
    peak_ours = _peak_bytes(lambda: _each(parse_bounce, corpus))
    peak_bare = _peak_bytes(lambda: _each(email.message_from_bytes, corpus))
    return [
        Row(
            name=f"bounce: parse_bounce, {len(corpus)} samples x{passes}",
            baseline="email.message_from_bytes (compat32)",
            value=ours,
            baseline_value=bare,
            target=2.0,
            note=f"{messages / ours:,.0f} msg/s vs {messages / bare:,.0f} msg/s bare; "
            f"paired ratio {paired_ratio(ours_samples, bare_samples):.2f}x",
        ),
        Row(
            name=f"bounce: peak memory, one pass over {len(corpus)} samples",
            baseline="email.message_from_bytes (compat32)",
            value=peak_ours / 1024,
            baseline_value=peak_bare / 1024,
            unit="KiB",
        ),
        *_flufl_row(quick),
    ]
