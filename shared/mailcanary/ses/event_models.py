"""Pydantic boundary models for SES event-publishing records and legacy identity notifications.

Both formats share `mail` and one type-specific object (`bounce`, `complaint`, `delivery`, ...); they differ
in the type key (`eventType` vs `notificationType`). Every model allows extra keys, so a field SES adds
tomorrow is kept and reported by `unknown_fields()` instead of failing validation.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "SesBounceModel",
    "SesComplaintModel",
    "SesDeliveryDelayModel",
    "SesDeliveryModel",
    "SesEventRecordModel",
    "SesMailModel",
    "SesRecipientModel",
    "unknown_fields",
]


class _Lenient(BaseModel):
    """Unknown keys are kept (and counted), never rejected."""

    model_config = ConfigDict(extra="allow", frozen=True)


class SesHeaderModel(_Lenient):
    name: str
    value: str


class SesMailModel(_Lenient):
    messageId: str
    timestamp: datetime | None = None
    source: str | None = None
    sourceArn: str | None = None
    sourceIp: str | None = None
    sendingAccountId: str | None = None
    callerIdentity: str | None = None
    destination: list[str] = Field(default_factory=list)
    headersTruncated: bool | None = None
    headers: list[SesHeaderModel] = Field(default_factory=list)
    commonHeaders: dict[str, Any] | None = None
    tags: dict[str, list[str]] = Field(default_factory=dict)


class SesRecipientModel(_Lenient):
    emailAddress: str
    action: str | None = None
    status: str | None = None
    diagnosticCode: str | None = None


class SesBounceModel(_Lenient):
    bounceType: str | None = None
    bounceSubType: str | None = None
    bouncedRecipients: list[SesRecipientModel] = Field(default_factory=list)
    timestamp: datetime | None = None
    feedbackId: str | None = None
    reportingMTA: str | None = None
    remoteMtaIp: str | None = None


class SesComplaintModel(_Lenient):
    complainedRecipients: list[SesRecipientModel] = Field(default_factory=list)
    timestamp: datetime | None = None
    feedbackId: str | None = None
    complaintSubType: str | None = None
    complaintFeedbackType: str | None = None
    userAgent: str | None = None
    arrivalDate: datetime | None = None


class SesDeliveryModel(_Lenient):
    timestamp: datetime | None = None
    recipients: list[str] = Field(default_factory=list)
    processingTimeMillis: int | None = None
    smtpResponse: str | None = None
    reportingMTA: str | None = None
    remoteMtaIp: str | None = None


class SesDeliveryDelayModel(_Lenient):
    timestamp: datetime | None = None
    delayType: str | None = None
    expirationTime: datetime | None = None
    reportingMTA: str | None = None
    delayedRecipients: list[SesRecipientModel] = Field(default_factory=list)


class SesRejectModel(_Lenient):
    reason: str | None = None


class SesRenderingFailureModel(_Lenient):
    errorMessage: str | None = None
    templateName: str | None = None


class SesEngagementModel(_Lenient):
    """Open and Click records."""

    ipAddress: str | None = None
    timestamp: datetime | None = None
    userAgent: str | None = None
    link: str | None = None
    linkTags: dict[str, list[str]] | None = None


class SesSubscriptionModel(_Lenient):
    contactList: str | None = None
    timestamp: datetime | None = None
    source: str | None = None
    newTopicPreferences: dict[str, Any] | None = None
    oldTopicPreferences: dict[str, Any] | None = None


class SesReceiptModel(_Lenient):
    """Legacy `Received` notifications (SES receiving)."""

    timestamp: datetime | None = None
    processingTimeMillis: int | None = None
    recipients: list[str] = Field(default_factory=list)
    spamVerdict: dict[str, Any] | None = None
    virusVerdict: dict[str, Any] | None = None
    spfVerdict: dict[str, Any] | None = None
    dkimVerdict: dict[str, Any] | None = None
    dmarcVerdict: dict[str, Any] | None = None
    dmarcPolicy: str | None = None
    action: dict[str, Any] | None = None


class SesEventRecordModel(_Lenient):
    """One record: event publishing (`eventType`) or a legacy notification (`notificationType`)."""

    eventType: str | None = None
    notificationType: str | None = None
    mail: SesMailModel
    bounce: SesBounceModel | None = None
    complaint: SesComplaintModel | None = None
    delivery: SesDeliveryModel | None = None
    deliveryDelay: SesDeliveryDelayModel | None = None
    send: dict[str, Any] | None = None
    reject: SesRejectModel | None = None
    failure: SesRenderingFailureModel | None = None
    open: SesEngagementModel | None = None
    click: SesEngagementModel | None = None
    subscription: SesSubscriptionModel | None = None
    receipt: SesReceiptModel | None = None
    content: str | None = None


def unknown_fields(model: BaseModel, prefix: str = "") -> tuple[str, ...]:
    """Dotted paths of every key no model declared (e.g. `bounce.newField`), depth first, sorted."""
    found = [f"{prefix}{key}" for key in (model.model_extra or {})]
    for name in type(model).model_fields:
        value = getattr(model, name)
        children = value if isinstance(value, list) else [value]
        for index, child in enumerate(children):
            if isinstance(child, BaseModel):
                where = f"{prefix}{name}[{index}]." if isinstance(value, list) else f"{prefix}{name}."
                found.extend(unknown_fields(child, where))
    return tuple(sorted(found))
