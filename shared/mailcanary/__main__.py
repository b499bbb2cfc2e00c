"""`python -m mailcanary` is the same as the `mailcanary` command."""

from __future__ import annotations

from mailcanary.cli import main

raise SystemExit(main())
