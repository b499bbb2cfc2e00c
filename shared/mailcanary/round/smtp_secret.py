"""The SMTP credentials secret: read from Secrets Manager through Powertools Parameters (cached for
`MAX_AGE_SECONDS`, JSON-decoded), kept as `Secret`s, never logged.

The secret's JSON is `{"username": ..., "password": ..., "passwords_by_region": {"eu-west-1": ...}}`. SES SMTP
passwords are derived per region from one IAM secret key (`mailcanary smtp-password`), so a target on an SES
SMTP endpoint (`email-smtp.<region>.amazonaws.com`) uses its region's password when there is one, and
`password` otherwise; any other MTA uses `password`.

Until `scripts/store-smtp-secret.sh` has run, the secret holds what the stack generated: `PLACEHOLDER_USERNAME`
and a random password. That is not a broken secret but one never stored: `SmtpSecretNotStoredError` says so,
and the round reports its SMTP targets as not configured instead of failing them (`mailcanary.round.setup`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mailcanary.core.aws_errors import aws_error_code
from mailcanary.core.errors import ConfigError
from mailcanary.core.redaction import SecretForms, register, register_secret
from mailcanary.core.secret import Secret

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

__all__ = [
    "MAX_AGE_SECONDS",
    "PLACEHOLDER_USERNAME",
    "SmtpCredentials",
    "SmtpSecretError",
    "SmtpSecretNotStoredError",
    "is_placeholder",
    "load_smtp_credentials",
    "ses_smtp_region",
]

# The username template.yaml's SmtpSecret is generated with (its SecretStringTemplate); a test keeps them equal.
PLACEHOLDER_USERNAME = "set-by-scripts/store-smtp-secret.sh"
# How long a warm function keeps the secret it read (Powertools Parameters' cache): one GetSecretValue per five
# minutes instead of one per round. Rotation keeps the previous key valid until the next rotation.
MAX_AGE_SECONDS = 300

_SES_SMTP_HOST = re.compile(r"email-smtp(?:-fips)?\.([a-z]{2}(?:-[a-z]+)+-\d)\.amazonaws\.com\.?", re.I)


class SmtpSecretError(ConfigError):
    """Raised when the SMTP secret cannot be read or is not the JSON mailcanary expects (never shows it)."""


class SmtpSecretNotStoredError(SmtpSecretError):
    """Raised when the SMTP secret still holds the stack's placeholder: no credentials were stored yet."""


def is_placeholder(document: object) -> bool:
    """Whether a parsed secret is the placeholder the stack generates (`scripts/store-smtp-secret.sh` not run)."""
    return isinstance(document, Mapping) and document.get("username") == PLACEHOLDER_USERNAME


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


def load_smtp_credentials(
    client: Any, secret_arn: str, max_age: int = MAX_AGE_SECONDS, *, fresh: bool = False
) -> SmtpCredentials:
    """Read (through the Powertools Parameters cache, at most every `max_age` seconds per client; `fresh` reads
    past it) and parse the secret; every password is registered for masking before anything else happens.

    A placeholder is not kept in the cache: the round after `scripts/store-smtp-secret.sh` sees the credentials.
    """
    if not secret_arn:
        raise SmtpSecretError("MAILCANARY_SMTP_SECRET_ARN: no SMTP secret configured, but a target needs AUTH")
    from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError, TransformParameterError

    provider = _provider(client)
    try:
        document = provider.get(secret_arn, transform="json", max_age=max_age, force_fetch=fresh)
    except GetParameterError as exc:
        cause = exc.__context__
        code = aws_error_code(cause) if cause is not None else type(exc).__name__
        raise SmtpSecretError(f"cannot read the SMTP secret {secret_arn}: {code}") from None
    except TransformParameterError:
        raise SmtpSecretError(f"the SMTP secret {secret_arn} is not JSON") from None
    if is_placeholder(document):
        provider.clear_cache()  # type: ignore[no-untyped-call]
    return _parse(document, secret_arn)


@functools.lru_cache(maxsize=8)
def _provider(client: Any) -> SecretsProvider:
    """One Powertools provider (and so one cache) per injected client: the runtime's clients live as long as
    the process, so a warm function reuses its cache across rounds."""
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

    return SecretsProvider(boto3_client=client)


def _parse(document: Any, secret_arn: str) -> SmtpCredentials:
    if not isinstance(document, Mapping):
        raise SmtpSecretError(f"the SMTP secret {secret_arn} is not a JSON object")
    by_region = document.get("passwords_by_region") or {}
    values = [document.get("password"), *(by_region.values() if isinstance(by_region, Mapping) else [None])]
    for value in values:
        if isinstance(value, str):
            register_secret(value)
    if is_placeholder(document):
        raise SmtpSecretNotStoredError(
            f"the SMTP secret {secret_arn} still holds the stack's placeholder: run scripts/store-smtp-secret.sh"
        )
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
