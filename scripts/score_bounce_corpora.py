"""Score `parse_bounce` on public bounce corpora and print one table (address P/R/F1, status, reason, speed).

    python scripts/score_bounce_corpora.py --corpora PATH [--predictions OUT.jsonl] [--misses]

PATH holds `score.py` and one folder per set (`sisimai/`, `flufl/`), each with `emails/` and `expected.jsonl`
(the layout of the development corpora; see README, "Bounce parsing"). Every file is parsed in process, the
predictions are written as JSONL in the scorer's format and scored by that set's own `score.py`, so the
figures are the ones its authors define. Reasons are reported under sisimai's names (`sisimai_reason`), which
the scorer maps to its coarse classes. A recipient is scored by the address the sender used (the DSN's
Original-Recipient where it differs from the Final-Recipient), as the canary matches on what it sent to.
`--repeats N` also times N interleaved passes of parse_bounce, flufl.bounce (when installed) and the bare
email parse over the same messages and prints the median rates. `--misses` lists, per file, the expected
recipients not found and the addresses reported that were not expected: where to look next;
`--reason-misses` lists the found recipients whose reason's class differs from sisimai's label.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import email
import importlib.util
import json
import re
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "shared")]

from mailcanary.bounce import BounceKind, BounceParseError, parse_bounce  # noqa: E402
from mailcanary.bounce.sisimai_names import sisimai_reason  # noqa: E402

SETS = ("sisimai", "flufl")


def _scorer(corpora: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("bounce_corpus_score", corpora / "score.py")
    if spec is None or spec.loader is None:
        raise SystemExit(f"no score.py in {corpora}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _files(corpora: Path, name: str) -> list[Path]:
    return sorted(path for path in (corpora / name / "emails").iterdir() if path.is_file())


def predict(corpora: Path) -> tuple[list[dict[str, Any]], float, collections.Counter[str]]:
    """One prediction line per file of both sets, the seconds spent in `parse_bounce`, the kinds found."""
    predictions: list[dict[str, Any]] = []
    kinds: collections.Counter[str] = collections.Counter()
    elapsed = 0.0
    inputs = [(name, path, path.read_bytes()) for name in SETS for path in _files(corpora, name)]
    for name, path, data in inputs:
        started = time.perf_counter()
        try:
            report = parse_bounce(data)
        except BounceParseError:
            kinds["unparseable"] += 1
            predictions.append({"set": name, "file": path.name, "recipients": []})
            continue
        finally:
            elapsed += time.perf_counter() - started
        kinds[report.kind.value] += 1
        reported = report.kind in (BounceKind.BOUNCE, BounceKind.DELAY)
        recipients = [
            {
                "address": r.original_recipient or r.address,
                "status": r.status or "",
                "reason": sisimai_reason(r.reason),
                "action": r.action,
            }
            for r in (report.recipients if reported else ())
        ]
        predictions.append({"set": name, "file": path.name, "recipients": recipients})
    return predictions, elapsed, kinds


def peak_bytes(corpora: Path) -> int:
    """High-water mark of traced memory over one pass, nothing kept between messages."""
    inputs = [path.read_bytes() for name in SETS for path in _files(corpora, name)]
    tracemalloc.start()
    try:
        for data in inputs:
            with contextlib.suppress(BounceParseError):
                parse_bounce(data)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def score(corpora: Path, predictions: list[dict[str, Any]]) -> dict[str, Any]:
    scorer = _scorer(corpora)
    reason_map = json.loads((corpora / "sisimai" / "reason_map.json").read_text(encoding="utf-8"))
    rmap = {k: v for k, v in reason_map.items() if not k.startswith("_")}
    by_set: dict[str, dict[str, Any]] = collections.defaultdict(dict)
    for line in predictions:
        by_set[line["set"]][line["file"]] = line["recipients"]
    return {"sisimai": scorer.score_sisimai(by_set["sisimai"], rmap), "flufl": scorer.score_flufl(by_set["flufl"])}


def misses(corpora: Path, predictions: list[dict[str, Any]]) -> list[str]:
    """Per file: expected addresses not reported (-) and reported addresses not expected (+)."""
    expected: dict[tuple[str, str], set[str]] = collections.defaultdict(set)
    for row in _jsonl(corpora / "sisimai" / "expected.jsonl"):
        if not row["recipient_placeholder"] and row["reason"] not in ("feedback", "vacation", "delivered"):
            expected["sisimai", row["file"]] |= {row["recipient"].lower(), *(a.lower() for a in row["alt_recipients"])}
    for row in _jsonl(corpora / "flufl" / "expected.jsonl"):
        if row["category"] != "bounce_redacted_address":
            expected["flufl", row["file"]] |= {a.lower() for a in row["addresses"]}
    lines = []
    for line in predictions:
        got = {r["address"].lower() for r in line["recipients"]}
        want = expected.get((line["set"], line["file"]), set())
        if got - want or (want and not got & want):
            lines.append(f"{line['set']}/{line['file']}: -{sorted(want - got)} +{sorted(got - want)}")
    return lines


def reason_misses(corpora: Path, predictions: list[dict[str, Any]], rmap: dict[str, str]) -> list[str]:
    """Found recipients of sisimai's set whose reason maps to another class than its label (or its alternative)."""
    got = {
        (line["file"], r["address"].lower()): r["reason"] for line in predictions if line["set"] == "sisimai"
        for r in line["recipients"]
    }  # fmt: skip
    lines = []
    for row in _jsonl(corpora / "sisimai" / "expected.jsonl"):
        if row["recipient_placeholder"] or row["reason"] in ("feedback", "vacation", "delivered"):
            continue
        names = [row["recipient"], *row["alt_recipients"]]
        ours = next((got[key] for a in names if (key := (row["file"], a.lower())) in got), None)
        if ours is None:
            continue
        alternative = rmap.get(row.get("reason_alt") or "")
        if rmap.get(ours, ours) not in (row["reason_class"], alternative):
            lines.append(f"{row['file']} {row['recipient']}: sisimai {row['reason']}, ours {ours}")
    return lines


def carried_status(corpora: Path, predictions: list[dict[str, Any]]) -> tuple[int, int]:
    """(agreeing, compared) over found recipients whose message carries a status: sisimai's own `x.0.9xx`
    codes stand for its reasons, not for anything in the message, and are left out."""
    got = {
        (line["file"], r["address"].lower()): r["status"] for line in predictions if line["set"] == "sisimai"
        for r in line["recipients"]
    }  # fmt: skip
    agree = compared = 0
    for row in _jsonl(corpora / "sisimai" / "expected.jsonl"):
        status = row["status"]
        key = (row["file"], row["recipient"].lower())
        if not status or re.fullmatch(r"\d\.0\.9\d\d", status) or key not in got or row["reason"] == "delivered":
            continue
        compared += 1
        agree += got[key] in {status, row.get("status_dsn_literal"), row.get("status_alt")}
    return agree, compared


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def table(result: dict[str, Any], seconds: float, messages: int, peak: int) -> str:
    s, f = result["sisimai"], result["flufl"]
    rows = [
        ("set", "files", "precision", "recall", "F1", "tp/fp/fn", "status (lenient)", "reason"),
        (
            "sisimai",
            str(s["files"]),
            f"{s['address']['precision']:.3f}",
            f"{s['address']['recall']:.3f}",
            f"{s['address']['f1']:.3f}",
            f"{s['address']['tp']}/{s['address']['fp']}/{s['address']['fn']}",
            f"{s['status']['lenient(sisimai|dsn_literal|p5)']} of {s['status']['n']}",
            f"{s['reason']['agreement']} of {s['reason']['n']}",
        ),
        (
            "flufl",
            str(f["files"]),
            f"{f['address']['precision']:.3f}",
            f"{f['address']['recall']:.3f}",
            f"{f['address']['f1']:.3f}",
            f"{f['address']['tp']}/{f['address']['fp']}/{f['address']['fn']}",
            f"empty on non-bounces {f['no_address_files_with_empty_output']}",
            "-",
        ),
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    out = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in rows]
    out.append(f"{messages} messages in {seconds:.2f} s: {messages / seconds:,.0f} msg/s; peak {peak / 1024:,.0f} KiB")
    return "\n".join(out)


def _inputs(corpora: Path) -> list[bytes]:
    return [path.read_bytes() for name in SETS for path in _files(corpora, name)]


def _ours(inputs: list[bytes]) -> None:
    for data in inputs:
        with contextlib.suppress(BounceParseError):
            parse_bounce(data)


def _bare(inputs: list[bytes]) -> None:
    for data in inputs:
        email.message_from_bytes(data)


def speed(corpora: Path, repeats: int) -> str:
    """Median msg/s over interleaved passes: parse_bounce, flufl.bounce (parse + all_failures), the bare parse."""
    inputs = _inputs(corpora)
    runners: dict[str, Callable[[list[bytes]], None]] = {"parse_bounce": _ours, "email parse only": _bare}
    try:
        from flufl.bounce import all_failures

        def _flufl(batch: list[bytes]) -> None:
            for data in batch:
                with contextlib.suppress(Exception):  # its detectors raise on some inputs
                    all_failures(email.message_from_bytes(data))

        runners["flufl.bounce"] = _flufl
    except ImportError:
        pass
    samples: dict[str, list[float]] = {name: [] for name in runners}
    for _ in range(repeats):
        for name, run in runners.items():
            started = time.perf_counter()
            run(inputs)
            samples[name].append(time.perf_counter() - started)
    rates = {name: len(inputs) / statistics.median(times) for name, times in samples.items()}
    parts = [f"{name} {rate:,.0f} msg/s" for name, rate in rates.items()]
    line = f"speed over {len(inputs)} messages, median of {repeats}: " + "; ".join(parts)
    if "flufl.bounce" in rates:
        line += f"; parse_bounce / flufl.bounce {rates['parse_bounce'] / rates['flufl.bounce']:.2f}x"
    return line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--corpora", type=Path, required=True, help="folder with score.py, sisimai/ and flufl/")
    parser.add_argument("--predictions", type=Path, help="also write the predictions (JSONL) here")
    parser.add_argument("--misses", action="store_true", help="list files with missed or extra addresses")
    parser.add_argument("--reason-misses", action="store_true", help="list found recipients whose reason differs")
    parser.add_argument("--json", action="store_true", help="print the scorer's full JSON after the table")
    parser.add_argument("--repeats", type=int, default=0, help="also time N interleaved passes against flufl.bounce")
    args = parser.parse_args(argv)
    predictions, seconds, kinds = predict(args.corpora)
    peak = peak_bytes(args.corpora)
    if args.predictions:
        args.predictions.write_text("".join(json.dumps(p) + "\n" for p in predictions), encoding="utf-8")
    result = score(args.corpora, predictions)
    if args.misses:
        print("\n".join(misses(args.corpora, predictions)))
    if args.reason_misses:
        reason_map = json.loads((args.corpora / "sisimai" / "reason_map.json").read_text(encoding="utf-8"))
        print("\n".join(reason_misses(args.corpora, predictions, reason_map)))
    print(table(result, seconds, len(predictions), peak))
    agree, compared = carried_status(args.corpora, predictions)
    print(f"status where the message carries one: {agree / compared:.3f} of {compared}")
    print("kinds: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    if args.repeats > 0:
        print(speed(args.corpora, min(args.repeats, 101)))
    if args.json:
        print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
