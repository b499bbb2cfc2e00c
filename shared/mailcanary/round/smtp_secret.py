"""The SMTP credentials secret: read once per round from Secrets Manager, kept as `Secret`s, never logged.

The secret's JSON is `{"username": ..., "password": ..., "passwords_by_region": {"eu-west-1": ...}}`. SES SMTP
passwords are derived per region from one IAM secret key (`mailcanary smtp-password`), so a target on an SES
SMTP endpoint (`email-smtp.<region>.amazonaws.com`) uses its region's password when there is one, and
`password` otherwise; any other MTA uses `password`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mailcanary.core.errors import ConfigError
from mailcanary.core.redaction import SecretForms, register, register_secret
from mailcanary.core.secret import Secret

__all__ = ["SmtpCredentials", "SmtpSecretError", "load_smtp_credentials", "ses_smtp_region"]

_SES_SMTP_HOST = re.compile(r"email-smtp(?:-fips)?\.([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com\.?", re.I)


class SmtpSecretError(ConfigError):
    """Raised when the SMTP secret cannot be read or is not the JSON mailcanary expects (never shows it)."""


@dataclass(frozen=True)
class SmtpCredentials:
    """A username and passwords; the passwords are `Secret`s and stay out of every repr."""

    username: str
    password: Secret = field(repr=False)
    passwords_by_region: Mapping[str, Secret] = field(default_factory=dict, repr=False)

    def password_for(self, host: str) -> Secret:
        """The password for `host`: its SES region's derived password when there is one, else the default."""
        region = ses_smtp_region(host)
        return self.passwords_by_region.get(region, self.password) if region else self.password

    def revealed(self) -> tuple[str, ...]:
        """Every password (the default and the per-region ones)."""
        return tuple(each.reveal() for each in (self.password, *self.passwords_by_region.values()) if each)

    def forms(self) -> SecretForms:
        """Every form of these credentials a server could echo back, for `mailcanary.core.redaction.redact`."""
        return SecretForms.of(self.username, self.revealed())


def ses_smtp_region(host: str) -> str | None:
    """The region of an SES SMTP endpoint host name, or None for any other host."""
    match = _SES_SMTP_HOST.fullmatch(host.strip())
    return match.group(1).lower() if match else None


def load_smtp_credentials(client: Any, secret_arn: str) -> SmtpCredentials:
    """Read and parse the secret; every password is registered for masking before anything else happens."""
    if not secret_arn:
        raise SmtpSecretError("MAILCANARY_SMTP_SECRET_ARN: no SMTP secret configured, but a target needs AUTH")
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        text = client.get_secret_value(SecretId=secret_arn)["SecretString"]
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "Unknown")
        raise SmtpSecretError(f"cannot read the SMTP secret {secret_arn}: {code}") from None
    except (BotoCoreError, KeyError) as exc:
        raise SmtpSecretError(f"cannot read the SMTP secret {secret_arn}: {type(exc).__name__}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        raise SmtpSecretError(f"the SMTP secret {secret_arn} is not JSON") from None
    return _parse(document, secret_arn)


def _parse(document: Any, secret_arn: str) -> SmtpCredentials:
    if not isinstance(document, Mapping):
        raise SmtpSecretError(f"the SMTP secret {secret_arn} is not a JSON object")
    by_region = document.get("passwords_by_region") or {}
    values = [document.get("password"), *(by_region.values() if isinstance(by_region, Mapping) else [None])]
    for value in values:
        if isinstance(value, str):
            register_secret(value)
    username, password = document.get("username"), document.get("password")
    if not isinstance(username, str) or not username or not isinstance(password, str) or not password:
        raise SmtpSecretError(f"the SMTP secret {secret_arn} needs non-empty string 'username' and 'password'")
    if not isinstance(by_region, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) and v for k, v in by_region.items()
    ):
        raise SmtpSecretError(f"the SMTP secret {secret_arn}: 'passwords_by_region' must map regions to strings")
    credentials = SmtpCredentials(username, Secret(password), {k: Secret(v) for k, v in by_region.items()})
    register(credentials.forms())  # the logger masks them in every record of this process from now on
    return credentials
