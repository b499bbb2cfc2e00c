"""Property: arbitrary JSON given to the SES event parser yields a summary or a typed error, nothing else."""

from __future__ import annotations

import contextlib
import json
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailcanary.ses.errors import SesEventParseError
from mailcanary.ses.events import SesEventSummary, UnparseableEvent, parse_ses_event, parse_sns_lambda_event

# A generous per-input deadline: a bound on runaway inputs, not a speed assertion.
FUZZ = settings(max_examples=300, deadline=timedelta(seconds=2), suppress_health_check=[HealthCheck.too_slow])

_KEYS = st.sampled_from(
    ["eventType", "notificationType", "mail", "messageId", "destination", "bounce", "bouncedRecipients",
     "emailAddress", "status", "timestamp", "tags", "headers", "name", "value", "Type", "Message", "Records", "Sns"]
)  # fmt: skip
_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20)
_JSON = st.recursive(
    _SCALARS | st.sampled_from(["Bounce", "Notification", "2017-08-05T00:41:02.669Z", "a@example.com"]),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(_KEYS | st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=30,
)


_RECIPIENT = st.fixed_dictionaries({"emailAddress": st.text(max_size=10)}, optional={"status": _JSON, "action": _JSON})
_DETAIL = st.dictionaries(
    st.sampled_from(["bounceType", "bounceSubType", "bouncedRecipients", "complainedRecipients", "recipients",
                     "delayedRecipients", "timestamp", "feedbackId"]),
    _JSON | st.lists(_RECIPIENT, max_size=3) | st.sampled_from(["Permanent", "Transient", "General", "Odd"]),
    max_size=4,
)  # fmt: skip
_SES_RECORD = st.fixed_dictionaries(
    {
        "mail": st.fixed_dictionaries(
            {"messageId": st.text(max_size=10)}, optional={"destination": _JSON, "tags": _JSON}
        )
    },
    optional={
        "eventType": st.sampled_from(["Bounce", "Complaint", "Delivery", "DeliveryDelay", "Rendering Failure", "X"]),
        "notificationType": _JSON,
        "bounce": _DETAIL,
        "complaint": _DETAIL,
        "delivery": _DETAIL,
        "deliveryDelay": _DETAIL,
        "open": _DETAIL,
    },
)


@FUZZ
@given(document=_JSON)
def test_given_arbitrary_json_when_parsed_then_summary_or_typed_error(document: Any) -> None:
    with contextlib.suppress(SesEventParseError):
        assert isinstance(parse_ses_event(json.dumps(document)), SesEventSummary)


@FUZZ
@given(document=_SES_RECORD)
def test_given_ses_shaped_json_when_parsed_then_summary_or_typed_error(document: dict[str, Any]) -> None:
    with contextlib.suppress(SesEventParseError):
        assert isinstance(parse_ses_event(document), SesEventSummary)


@FUZZ
@given(payload=st.binary(max_size=200))
def test_given_arbitrary_bytes_when_parsed_then_summary_or_typed_error(payload: bytes) -> None:
    with contextlib.suppress(SesEventParseError):
        parse_ses_event(payload)


@FUZZ
@given(records=st.lists(_JSON, max_size=4))
def test_given_arbitrary_records_when_lambda_event_parsed_then_one_result_each(records: list[Any]) -> None:
    results = parse_sns_lambda_event({"Records": records})
    assert len(results) == len(records)
    assert all(isinstance(r, SesEventSummary | UnparseableEvent) for r in results)
