"""Faults the lab SMTP endpoint can inject, several at once, to reproduce what real servers do wrong.

Each member names one misbehaviour; the tests and the fault lab switch them on to prove the canary
notices (and classifies) it.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["SmtpFault"]


class SmtpFault(StrEnum):
    """One misbehaviour of the lab SMTP endpoint."""

    DATA_BEFORE_RCPT = "data-before-rcpt"  # 503 to DATA although a RCPT was accepted (Exim's wording)
    RCPT_REFUSED = "rcpt-refused"  # every RCPT gets 550 5.1.1
    RCPT_SILENTLY_DROPPED = "rcpt-silently-dropped"  # every RCPT after the first accepted but never delivered
    DROP_DURING_DATA = "drop-during-data"  # reads the message, then closes without answering the dot
    SERVICE_CLOSING_MID_SESSION = "421-mid-session"  # 421 to MAIL FROM, then closes the connection
    STARTTLS_REFUSED = "starttls-refused"  # STARTTLS advertised, then 454 4.7.0
    BAD_CERTIFICATE = "bad-certificate"  # certificate for the wrong host name (issued by the lab CA)
    SLOW_BANNER = "slow-banner"  # the 220 banner stalls for `banner_delay` seconds
    GREYLIST_451 = "greylist-451"  # every RCPT gets 451 4.7.1 greylisted
    REJECT_AFTER_DATA_554 = "reject-after-data-554"  # the final dot gets 554 (SES "Message rejected")
    AUTH_FAIL_535 = "auth-fail-535"  # every AUTH fails with 535 5.7.8
    THROTTLE_454 = "throttle-454"  # MAIL FROM gets SES's 454 throttling failure
    ACCEPT_DATA_WITHOUT_RCPT = "accept-data-without-rcpt"  # broken: 354 to DATA with no recipient
    STRIP_CC_HEADER = "strip-cc-header"  # the delivered copy loses its Cc header
