"""Errors of the HTML report."""

from __future__ import annotations

from mailcanary.core.errors import MailcanaryError, UsageError

__all__ = ["ChartLibraryMissingError", "HtmlReportError"]


class HtmlReportError(MailcanaryError):
    """Raised when the HTML report cannot be built."""


class ChartLibraryMissingError(HtmlReportError, UsageError):
    """Raised when the charting library (the `report` extra) is not installed; the CLI exits 2."""
