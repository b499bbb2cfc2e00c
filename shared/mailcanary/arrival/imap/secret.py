"""The IMAP secret: `{"username": ..., "password": ...}` in Secrets Manager, read through Powertools Parameters
(cached for `MAX_AGE_SECONDS`, as the SMTP secret is), the password registered for masking before anything else.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mailcanary.arrival.imap.errors import ImapConfigError
from mailcanary.core.aws_errors import aws_error_code
from mailcanary.core.redaction import SecretForms, register, register_secret
from mailcanary.core.secret import Secret

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

__all__ = ["MAX_AGE_SECONDS", "ImapCredentials", "load_imap_credentials"]

MAX_AGE_SECONDS = 300


@dataclass(frozen=True)
class ImapCredentials:
    """The mailbox's username and its password (a `Secret`, out of every repr)."""

    username: str
    password: Secret = field(repr=False)

    def forms(self) -> SecretForms:
        """Every form of the password a server could echo back (LOGIN, AUTHENTICATE PLAIN's base64)."""
        return SecretForms.of(self.username, (self.password.reveal(),))


def load_imap_credentials(client: Any, secret_arn: str, max_age: int = MAX_AGE_SECONDS) -> ImapCredentials:
    """Read and parse the IMAP secret with the injected Secrets Manager `client`; typed errors, never the value."""
    if not secret_arn:
        raise ImapConfigError("no IMAP secret configured (its ARN is empty)")
    from aws_lambda_powertools.utilities.parameters.exceptions import GetParameterError, TransformParameterError

    try:
        document = _provider(client).get(secret_arn, transform="json", max_age=max_age)
    except GetParameterError as exc:
        cause = exc.__context__
        code = aws_error_code(cause) if cause is not None else type(exc).__name__
        raise ImapConfigError(f"cannot read the IMAP secret {secret_arn}: {code}") from None
    except TransformParameterError:
        raise ImapConfigError(f"the IMAP secret {secret_arn} is not JSON") from None
    if not isinstance(document, Mapping):
        raise ImapConfigError(f"the IMAP secret {secret_arn} is not a JSON object")
    username, password = document.get("username"), document.get("password")
    if isinstance(password, str) and password:
        register_secret(password)
    if not isinstance(username, str) or not username or not isinstance(password, str) or not password:
        raise ImapConfigError(f"the IMAP secret {secret_arn} needs non-empty string 'username' and 'password'")
    credentials = ImapCredentials(username, Secret(password))
    register(credentials.forms())  # the logger masks them in every record of this process from now on
    return credentials


@functools.lru_cache(maxsize=8)
def _provider(client: Any) -> SecretsProvider:
    """One Powertools provider (one cache) per injected client, so a warm function reads the secret once per
    `max_age`."""
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

    return SecretsProvider(boto3_client=client)
