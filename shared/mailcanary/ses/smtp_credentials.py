"""The SES SMTP password of an IAM user: derived from its secret access key for one region.

The SES SMTP interface authenticates with the access key id as user name and a password derived from the
secret access key (Lambda role credentials cannot be used). The derivation is the documented SigV4 chain
(Amazon SES Developer Guide, "Obtaining Amazon SES SMTP credentials", converting existing credentials):

    signature = HMAC-SHA256("AWS4" + secret, "11111111"), then chained over
                region, "ses", "aws4_request", "SendRawEmail"
    password  = base64(0x04 || signature)

The password is therefore region-specific; derive one per region whose SMTP endpoint you use.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

from mailcanary.core.errors import UsageError

__all__ = ["smtp_password"]

_DATE = "11111111"
_SERVICE = "ses"
_TERMINAL = "aws4_request"
_MESSAGE = "SendRawEmail"
_VERSION = b"\x04"
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")


def _sign(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()


def smtp_password(secret_access_key: str, region: str) -> str:
    """The SES SMTP password for `secret_access_key` in `region` (raises UsageError on empty key or bad region)."""
    if not secret_access_key:
        raise UsageError("the secret access key is empty")
    if not _REGION.fullmatch(region):
        raise UsageError(f"not an AWS region name: {region!r}")
    signature = ("AWS4" + secret_access_key).encode("utf-8")
    for part in (_DATE, region, _SERVICE, _TERMINAL, _MESSAGE):
        signature = _sign(signature, part)
    return base64.b64encode(_VERSION + signature).decode("ascii")
