"""`make bench`: run every benchmark in scripts/benchmarks/ and print one table of ratios.

Each row is a median compared with a baseline measured in the same run; machines are noisy, so read the
ratios, not the absolute times. `--quick` runs fewer repeats (used by the test that keeps this script
working); `--only NAME` runs the modules whose name contains NAME.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import pkgutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "shared"), str(ROOT)]

from scripts import benchmarks  # noqa: E402
from scripts.benchmarks._common import Row  # noqa: E402


def _format(rows: list[Row]) -> str:
    header = f"{'measurement':<52} {'baseline':<34} {'median':>11} {'baseline':>11} {'ratio':>7} {'target':>7}  verdict"
    lines = [header, "-" * len(header)]
    for row in rows:
        target = f"{row.target:.2f}x" if row.target is not None else "-"
        lines.append(
            f"{row.name:<52} {row.baseline:<34} {row.value:>9.4g}{row.unit:>2} {row.baseline_value:>9.4g}{row.unit:>2} "
            f"{row.ratio:>6.2f}x {target:>7}  {row.verdict}{'  ' + row.note if row.note else ''}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer repeats: proves the benchmarks run")
    parser.add_argument("--only", default="", help="run only modules whose name contains this")
    args = parser.parse_args(argv)
    rows: list[Row] = []
    for module_info in sorted(pkgutil.iter_modules(benchmarks.__path__), key=lambda m: m.name):
        if module_info.name.startswith("_") or args.only not in module_info.name:
            continue
        module = importlib.import_module(f"scripts.benchmarks.{module_info.name}")
        print(f"# {module_info.name} ...", file=sys.stderr, flush=True)
        # Handlers invoked by a benchmark log to stdout as they would in Lambda; keep the table readable.
        with contextlib.redirect_stdout(io.StringIO()):
            rows.extend(module.run(quick=args.quick))
    print(_format(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
