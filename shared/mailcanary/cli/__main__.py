"""`python -m mailcanary.cli ...`: the same entry as the `mailcanary` command."""

from __future__ import annotations

import sys

from mailcanary.cli import main

__all__: list[str] = []

if __name__ == "__main__":
    sys.exit(main())
