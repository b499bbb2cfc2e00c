"""ARF feedback reports (RFC 5965): a recipient complained; reported as a complaint, never as a bounce."""

from __future__ import annotations

from email.message import Message

from mailcanary.bounce.addresses import addresses_in
from mailcanary.bounce.message_view import MessageView, header
from mailcanary.bounce.mime_split import read_headers

__all__ = ["FeedbackReport", "read_feedback_report"]


class FeedbackReport:
    def __init__(self, feedback_type: str | None, recipients: tuple[str, ...]) -> None:
        self.feedback_type = feedback_type
        self.recipients = recipients


def read_feedback_report(view: MessageView) -> FeedbackReport | None:
    """The `message/feedback-report` part's type and complained-about recipients, or None if not ARF."""
    part = view.first_part("message/feedback-report")
    if part is not None:
        fields = _fields(part)
        recipients = addresses_in([str(v) for v in fields.get_all("Original-Rcpt-To") or []])
        if not recipients and view.original_headers is not None:
            recipients = addresses_in([header(view.original_headers, "To")])
        return FeedbackReport(header(fields, "Feedback-Type").lower() or None, recipients)
    return None


def _fields(part: Message) -> Message:
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        return payload[0]
    return read_headers(payload.lstrip() if isinstance(payload, str) else "")
