"""SES API errors, classified by error *code* (never by message text) into a reason and permanent/transient.

The codes are the ones in botocore's service models (`ses/2010-12-01`, `sesv2/2019-09-27`). Note the SES v1
quirks: the configuration-set error's code is `ConfigurationSetDoesNotExist` (its shape is named
`...Exception`), and the maximum send rate and the daily quota share the code `Throttling` — the two are
only told apart by message text, which we never parse, so both are reported as `throttled`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from mailcanary.core.checks import Check
from mailcanary.core.errors import MailcanaryError

__all__ = [
    "SesErrorClassification",
    "SesErrorReason",
    "SesEventError",
    "SesEventParseError",
    "SesPermanentError",
    "SesSendError",
    "SesTransientError",
    "classify_code",
]


class SesErrorReason(StrEnum):
    """Why an SES send failed, by stable name (a metric dimension and an alert field)."""

    MESSAGE_REJECTED = "message_rejected"  # unverified address, sandbox, bad content, too many recipients
    MAIL_FROM_DOMAIN_NOT_VERIFIED = "mail_from_domain_not_verified"
    CONFIGURATION_SET_NOT_FOUND = "configuration_set_not_found"
    CONFIGURATION_SET_SENDING_PAUSED = "configuration_set_sending_paused"
    ACCOUNT_SENDING_PAUSED = "account_sending_paused"
    ACCOUNT_SUSPENDED = "account_suspended"
    THROTTLED = "throttled"  # send rate (v1 also daily quota: same code) still exceeded after retries
    QUOTA_EXCEEDED = "quota_exceeded"  # SESv2 LimitExceededException
    NOT_FOUND = "not_found"  # SESv2: a named resource (configuration set, identity) does not exist
    INVALID_PARAMETER = "invalid_parameter"
    CREDENTIALS = "credentials"  # missing, expired or refused credentials
    SERVICE_ERROR = "service_error"  # 5xx from SES
    ENDPOINT_UNREACHABLE = "endpoint_unreachable"  # DNS, connect refused, connect timeout, connection dropped
    TIMEOUT = "timeout"  # connected, but no answer in time
    UNKNOWN = "unknown"


_R = SesErrorReason
# error code -> (reason, transient). One table for v1 and v2: their codes do not collide in meaning.
CODES: dict[str, tuple[SesErrorReason, bool]] = {
    "MessageRejected": (_R.MESSAGE_REJECTED, False),
    "MailFromDomainNotVerifiedException": (_R.MAIL_FROM_DOMAIN_NOT_VERIFIED, False),
    "ConfigurationSetDoesNotExist": (_R.CONFIGURATION_SET_NOT_FOUND, False),
    "ConfigurationSetSendingPausedException": (_R.CONFIGURATION_SET_SENDING_PAUSED, False),
    "AccountSendingPausedException": (_R.ACCOUNT_SENDING_PAUSED, False),
    "Throttling": (_R.THROTTLED, True),
    "InvalidParameterValue": (_R.INVALID_PARAMETER, False),
    "TooManyRequestsException": (_R.THROTTLED, True),
    "LimitExceededException": (_R.QUOTA_EXCEEDED, True),
    "SendingPausedException": (_R.ACCOUNT_SENDING_PAUSED, False),
    "AccountSuspendedException": (_R.ACCOUNT_SUSPENDED, False),
    "NotFoundException": (_R.NOT_FOUND, False),
    "BadRequestException": (_R.INVALID_PARAMETER, False),
    "ValidationError": (_R.INVALID_PARAMETER, False),
    "AccessDenied": (_R.CREDENTIALS, False),
    "AccessDeniedException": (_R.CREDENTIALS, False),
    "InvalidClientTokenId": (_R.CREDENTIALS, False),
    "UnrecognizedClientException": (_R.CREDENTIALS, False),
    "SignatureDoesNotMatch": (_R.CREDENTIALS, False),
    "ExpiredToken": (_R.CREDENTIALS, False),
    "ExpiredTokenException": (_R.CREDENTIALS, False),
    "InternalFailure": (_R.SERVICE_ERROR, True),
    "ServiceUnavailable": (_R.SERVICE_ERROR, True),
    "InternalServerError": (_R.SERVICE_ERROR, True),
}


@dataclass(frozen=True, slots=True)
class SesErrorClassification:
    """One failed SES call, classified: what the code means, whether trying later may help, and the evidence."""

    reason: SesErrorReason
    transient: bool
    code: str  # the AWS error code, or the botocore exception name for endpoint/network failures
    api: str
    http_status: int | None = None
    request_id: str | None = None
    retry_attempts: int = 0
    check: Check = Check.SES_API

    @property
    def permanent(self) -> bool:
        return not self.transient


def classify_code(code: str, http_status: int | None = None) -> tuple[SesErrorReason, bool]:
    """Reason and transient flag for an AWS error code; an unknown code is transient only for a 5xx status."""
    if code in CODES:
        return CODES[code]
    if http_status is not None and http_status >= 500:
        return SesErrorReason.SERVICE_ERROR, True
    return SesErrorReason.UNKNOWN, False


class SesSendError(MailcanaryError):
    """Raised when an SES send fails; `classification` says why and whether it is worth trying again."""

    def __init__(self, classification: SesErrorClassification, message: str) -> None:
        super().__init__(message)
        self.classification = classification

    @property
    def reason(self) -> SesErrorReason:
        return self.classification.reason

    @property
    def transient(self) -> bool:
        return self.classification.transient


class SesPermanentError(SesSendError):
    """Raised when SES refused the send for a reason that trying again will not fix (needs a human)."""


class SesTransientError(SesSendError):
    """Raised when the send failed for a reason that may pass (throttling that outlived retries, network)."""


class SesEventError(MailcanaryError):
    """Raised when an SES event (event publishing or legacy notification) cannot be handled."""


class SesEventParseError(SesEventError):
    """Raised when an SES event or its SNS envelope is not JSON, or lacks what every event must carry."""
