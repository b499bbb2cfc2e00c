"""The SES events a round received, as artifacts: each SES event document (the SNS message as SES published it),
under `YYYY/MM/DD/<canary_id>/ses-events/<path>/<event key>.json`.

Only events of our own canaries are kept (an event is matched to its send through the store, as the reconciler
matches it); another sender's mail sharing the configuration set is never copied. The key is the event's stable
key, so an SNS redelivery of the same event overwrites its own object instead of adding one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from mailcanary.artifacts.keys import artifact_key, artifact_prefix
from mailcanary.artifacts.writer import Artifact
from mailcanary.report import observability as obs
from mailcanary.ses.events import SesEventSummary, UnparseableEvent
from mailcanary.store.errors import StoreError
from mailcanary.store.records import SentMessage

__all__ = ["ses_event_artifacts"]

MAX_EVENTS = 100  # per SNS delivery (SNS delivers one record per invocation; a replayed batch is bounded here)


def _message_text(record: Any) -> str | None:
    sns = record.get("Sns") if isinstance(record, Mapping) else None
    message = sns.get("Message") if isinstance(sns, Mapping) else None
    if isinstance(message, str):
        try:  # pretty-printed when it is JSON, kept as it came when it is not
            return json.dumps(json.loads(message), indent=2)
        except ValueError:
            return message
    if isinstance(message, Mapping):  # moto's SNS delivers the message as an object (real SNS: a string)
        return json.dumps(message, indent=2)
    return None


def ses_event_artifacts(
    event: Mapping[str, Any],
    parsed: Sequence[SesEventSummary | UnparseableEvent],
    *,
    find_send: Callable[[str], SentMessage | None],
    key_of: Callable[[SesEventSummary], str],
) -> list[Artifact]:
    """One artifact per SES event of ours in the Lambda SNS `event` (`parsed` holds its records' summaries, in
    order); `find_send` maps an SES message id to its send, `key_of` gives the event's stable key."""
    records = event.get("Records")
    if not isinstance(records, list):
        return []
    artifacts: list[Artifact] = []
    for record, summary in list(zip(records, parsed, strict=False))[:MAX_EVENTS]:
        if not isinstance(summary, SesEventSummary):
            continue
        text = _message_text(record)
        try:
            sent = find_send(summary.message_id)
        except StoreError as exc:  # the event itself is reconciled (or retried) all the same
            obs.get_logger().warning("artifact not written", extra={"error": str(exc)})
            obs.emit([obs.artifact_write_failed()])
            continue
        if text is None or sent is None:
            continue
        prefix = artifact_prefix(sent.canary_id, sent.sent_at)
        if prefix is None:
            continue
        name = key_of(summary).replace("#", "-") + ".json"
        artifacts.append(Artifact(artifact_key(prefix, "ses-events", sent.path_name, name), text, "application/json"))
    return artifacts
