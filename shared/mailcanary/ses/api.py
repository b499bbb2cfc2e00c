"""The SES API path: one raw canary through SES v1 `SendRawEmail` or SESv2 `SendEmail` with `Content.Raw`.

The client is passed in (see `make_client` for one with botocore's standard retry mode, which retries
throttling and network errors with backoff); every failure comes back as a classified `SesSendError`.
The result records exactly what we handed to SES — the `Destinations` and the raw bytes — because the
recipient comparison must be computed from what we sent, never read back from the service or a test double.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from mailcanary.core.errors import UsageError
from mailcanary.recipients import normalise
from mailcanary.ses.errors import (
    SesErrorClassification,
    SesErrorReason,
    SesPermanentError,
    SesSendError,
    SesTransientError,
    classify_code,
)

if TYPE_CHECKING:
    from mypy_boto3_ses import SESClient
    from mypy_boto3_sesv2 import SESV2Client

__all__ = ["SesApi", "SesApiSender", "SesSendResult", "classify_exception", "make_client"]


class SesApi(StrEnum):
    """Which SES API a target uses."""

    V1 = "v1"  # ses: SendRawEmail
    V2 = "v2"  # sesv2: SendEmail with Content.Raw

    @property
    def service(self) -> str:
        return "ses" if self is SesApi.V1 else "sesv2"


@dataclass(frozen=True, slots=True)
class SesSendResult:
    """One accepted send: SES's message id and exactly what we handed over."""

    message_id: str
    destinations: tuple[str, ...]  # the envelope, exactly as passed to SES
    raw: bytes
    api: SesApi
    source: str
    duration_seconds: float
    configuration_set: str | None = None
    retry_attempts: int = 0


def make_client(
    api: SesApi | str,
    *,
    region: str,
    endpoint_url: str | None = None,
    max_attempts: int = 3,
    connect_timeout: float = 5.0,
    read_timeout: float = 15.0,
    session: Any = None,
) -> SESClient | SESV2Client:
    """A boto3 SES client with botocore's standard retry mode (throttling and network errors, with backoff).

    `max_attempts` counts the first try: botocore's own `retries["max_attempts"]` counts retries only, so
    it is passed as `total_max_attempts`.
    """
    import boto3
    from botocore.config import Config

    config = Config(
        retries={"mode": "standard", "total_max_attempts": max_attempts},
        connect_timeout=connect_timeout,
        read_timeout=read_timeout,
    )
    factory = session or boto3.session.Session()
    if SesApi(api) is SesApi.V1:
        v1: SESClient = factory.client("ses", region_name=region, endpoint_url=endpoint_url, config=config)
        return v1
    v2: SESV2Client = factory.client("sesv2", region_name=region, endpoint_url=endpoint_url, config=config)
    return v2


class SesApiSender:
    """Sends raw canaries through one SES API; `send` returns a result or raises a classified `SesSendError`."""

    def __init__(self, client: SESClient | SESV2Client | Any, *, api: SesApi | str = SesApi.V1) -> None:
        try:
            self.api = SesApi(api)
        except ValueError as exc:
            raise UsageError(f"unknown SES API {api!r}: use v1 or v2") from exc
        service = client.meta.service_model.service_name
        if service != self.api.service:
            raise UsageError(f"SES API {self.api.value} needs a {self.api.service!r} client, got {service!r}")
        self._client: Any = client  # typed per API above; both expose .meta

    def send(
        self,
        raw: bytes,
        *,
        source: str,
        destinations: Sequence[str],
        configuration_set: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> SesSendResult:
        """Send `raw` to exactly `destinations` (the envelope); refuses injected or malformed addresses first."""
        if not destinations:
            raise UsageError("an SES send needs at least one destination")
        for address in (source, *destinations):
            normalise(address)  # raises RecipientInjectionError / RecipientAddressError before anything leaves
        destinations = tuple(destinations)
        tag_list = [{"Name": name, "Value": value} for name, value in (tags or {}).items()]
        started = time.perf_counter()
        try:
            if self.api is SesApi.V1:
                response = self._send_v1(raw, source, destinations, configuration_set, tag_list)
            else:
                response = self._send_v2(raw, source, destinations, configuration_set, tag_list)
        except Exception as exc:
            raise error_from(exc, self.api) from exc
        return SesSendResult(
            message_id=response["MessageId"],
            destinations=destinations,
            raw=raw,
            api=self.api,
            source=source,
            duration_seconds=time.perf_counter() - started,
            configuration_set=configuration_set,
            retry_attempts=int(response.get("ResponseMetadata", {}).get("RetryAttempts", 0)),
        )

    def _send_v1(
        self, raw: bytes, source: str, destinations: tuple[str, ...], config_set: str | None, tags: list[Any]
    ) -> Any:
        params: dict[str, Any] = {"Source": source, "Destinations": list(destinations), "RawMessage": {"Data": raw}}
        if config_set:
            params["ConfigurationSetName"] = config_set
        if tags:
            params["Tags"] = tags
        return self._client.send_raw_email(**params)

    def _send_v2(
        self, raw: bytes, source: str, destinations: tuple[str, ...], config_set: str | None, tags: list[Any]
    ) -> Any:
        # With Content.Raw the MIME headers are delivered as written; Destination is only the envelope,
        # so every envelope address goes in ToAddresses (To/Cc/Bcc make no difference to a raw message).
        params: dict[str, Any] = {
            "FromEmailAddress": source,
            "Destination": {"ToAddresses": list(destinations)},
            "Content": {"Raw": {"Data": raw}},
        }
        if config_set:
            params["ConfigurationSetName"] = config_set
        if tags:
            params["EmailTags"] = tags
        return self._client.send_email(**params)


def classify_exception(exc: BaseException, api: SesApi | str) -> SesErrorClassification:
    """Classify any exception a boto3 SES call raised, by AWS error code or botocore exception type."""
    from botocore import exceptions as bx

    api = str(SesApi(api))
    if isinstance(exc, bx.ClientError):
        error = exc.response.get("Error", {})
        metadata = exc.response.get("ResponseMetadata", {})
        code = str(error.get("Code", "Unknown"))
        status = metadata.get("HTTPStatusCode")
        reason, transient = classify_code(code, status)
        return SesErrorClassification(
            reason, transient, code, api, status, metadata.get("RequestId"), int(metadata.get("RetryAttempts", 0))
        )
    network: list[tuple[type[BaseException], SesErrorReason, bool]] = [
        (bx.ReadTimeoutError, SesErrorReason.TIMEOUT, True),
        (bx.ConnectionError, SesErrorReason.ENDPOINT_UNREACHABLE, True),  # endpoint, connect timeout, proxy
        (bx.ConnectionClosedError, SesErrorReason.ENDPOINT_UNREACHABLE, True),
        (bx.HTTPClientError, SesErrorReason.ENDPOINT_UNREACHABLE, True),
        (bx.NoCredentialsError, SesErrorReason.CREDENTIALS, False),
        (bx.PartialCredentialsError, SesErrorReason.CREDENTIALS, False),
        (bx.ParamValidationError, SesErrorReason.INVALID_PARAMETER, False),
    ]
    for kind, reason, transient in network:
        if isinstance(exc, kind):
            return SesErrorClassification(reason, transient, type(exc).__name__, api)
    return SesErrorClassification(SesErrorReason.UNKNOWN, False, type(exc).__name__, api)


def error_from(exc: BaseException, api: SesApi | str) -> SesSendError:
    """The typed mailcanary error for a failed SES call (raise it `from exc`)."""
    classification = classify_exception(exc, api)
    kind = SesTransientError if classification.transient else SesPermanentError
    retried = f" after {classification.retry_attempts} retries" if classification.retry_attempts else ""
    return kind(
        classification,
        f"SES {classification.api} {classification.code}: {classification.reason.value}{retried}",
    )
