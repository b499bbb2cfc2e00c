"""The SES side: the API sender, SES event models, the mailbox simulator, SMTP credentials.

Names are exported lazily (PEP 562): `events` imports pydantic and `api` the recipients package, and
importing `mailcanary.ses.simulator` must not pay for them (handler cold start is a measured budget).
`from mailcanary.ses import parse_ses_event` imports only the module that defines it.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mailcanary.ses.api import SesApi, SesApiSender, SesSendResult, classify_exception, make_client
    from mailcanary.ses.errors import (
        SesErrorClassification,
        SesErrorReason,
        SesEventError,
        SesEventParseError,
        SesPermanentError,
        SesSendError,
        SesTransientError,
        classify_code,
    )
    from mailcanary.ses.events import (
        BounceSubType,
        BounceType,
        EventType,
        RecipientStatus,
        SesEventSummary,
        UnparseableEvent,
        parse_ses_event,
        parse_sns_lambda_event,
    )
    from mailcanary.ses.simulator import SIMULATOR_DOMAIN, Scenario, scenario_of, simulator_address
    from mailcanary.ses.smtp_credentials import smtp_password

_MODULE_OF = {
    **dict.fromkeys(["SesApi", "SesApiSender", "SesSendResult", "classify_exception", "make_client"], "api"),
    **dict.fromkeys(
        [
            "SesErrorClassification",
            "SesErrorReason",
            "SesEventError",
            "SesEventParseError",
            "SesPermanentError",
            "SesSendError",
            "SesTransientError",
            "classify_code",
        ],
        "errors",
    ),
    **dict.fromkeys(
        [
            "BounceSubType",
            "BounceType",
            "EventType",
            "RecipientStatus",
            "SesEventSummary",
            "UnparseableEvent",
            "parse_ses_event",
            "parse_sns_lambda_event",
        ],
        "events",
    ),
    **dict.fromkeys(["SIMULATOR_DOMAIN", "Scenario", "scenario_of", "simulator_address"], "simulator"),
    "smtp_password": "smtp_credentials",
}

__all__ = [
    "SIMULATOR_DOMAIN",
    "BounceSubType",
    "BounceType",
    "EventType",
    "RecipientStatus",
    "Scenario",
    "SesApi",
    "SesApiSender",
    "SesErrorClassification",
    "SesErrorReason",
    "SesEventError",
    "SesEventParseError",
    "SesEventSummary",
    "SesPermanentError",
    "SesSendError",
    "SesSendResult",
    "SesTransientError",
    "UnparseableEvent",
    "classify_code",
    "classify_exception",
    "make_client",
    "parse_ses_event",
    "parse_sns_lambda_event",
    "scenario_of",
    "simulator_address",
    "smtp_password",
]


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{module}"), name)


def __dir__() -> list[str]:
    return sorted(__all__)
