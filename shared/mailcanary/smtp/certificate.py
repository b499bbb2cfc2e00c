"""When the server's certificate expires: read from the TLS connection the session already made.

With verification on (the default) the standard library decodes the verified certificate, and its `notAfter`
is read from there. With verification off, `ssl` decodes nothing; the DER form is then read with the
`cryptography` package where it is installed (the lab and the CLI's development environment), and the expiry is
unknown otherwise — never guessed.
"""

from __future__ import annotations

import ssl
from datetime import UTC, datetime

__all__ = ["days_left", "not_after"]

_SECONDS_A_DAY = 86_400.0


def not_after(sock: ssl.SSLSocket) -> datetime | None:
    """The end of the peer certificate's validity (UTC), or None when it cannot be read."""
    try:
        decoded = sock.getpeercert()
    except (ValueError, OSError):  # the handshake never completed, or the socket is closed
        return None
    if decoded and isinstance(decoded.get("notAfter"), str):
        try:
            return datetime.fromtimestamp(ssl.cert_time_to_seconds(str(decoded["notAfter"])), tz=UTC)
        except ValueError:
            return None
    try:
        der = sock.getpeercert(binary_form=True)
    except (ValueError, OSError):
        return None
    return _not_after_of_der(der) if der else None


def _not_after_of_der(der: bytes) -> datetime | None:
    try:
        from cryptography import x509
    except ImportError:
        return None
    try:
        return x509.load_der_x509_certificate(der).not_valid_after_utc
    except ValueError:
        return None


def days_left(expiry: datetime, now: datetime) -> float:
    """Days from `now` until `expiry` (negative once expired), as a fraction."""
    return (expiry - now).total_seconds() / _SECONDS_A_DAY
