"""Round history: where to read it (a stack or an endpoint), a round as data, a round as text."""

from __future__ import annotations

from mailcanary.history.errors import HistoryError, SourceNotReadableError
from mailcanary.history.render import render_history
from mailcanary.history.source import HistorySource, endpoint_source, session_factory, stack_source
from mailcanary.history.view import HISTORY_SCHEMA, history_document, path_latencies, round_view

__all__ = [
    "HISTORY_SCHEMA",
    "HistoryError",
    "HistorySource",
    "SourceNotReadableError",
    "endpoint_source",
    "history_document",
    "path_latencies",
    "render_history",
    "round_view",
    "session_factory",
    "stack_source",
]
