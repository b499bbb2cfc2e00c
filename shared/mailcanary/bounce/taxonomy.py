"""The reason taxonomy: our own names, a superset of sisimai's (one of ours for each of its reasons)."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Reason"]


class Reason(StrEnum):
    USER_UNKNOWN = "user_unknown"
    MAILBOX_FULL = "mailbox_full"
    MAILBOX_DISABLED = "mailbox_disabled"
    HOST_UNKNOWN = "host_unknown"
    BLOCKED = "blocked"  # policy, reputation, relaying denied, SPF/DKIM/DMARC
    RATE_LIMITED = "rate_limited"
    SPAM = "spam"  # content judged spam, or a virus
    MESSAGE_TOO_LARGE = "message_too_large"
    CONTENT_ERROR = "content_error"
    EXPIRED = "expired"  # timeout, retries exhausted
    NETWORK_ERROR = "network_error"
    SYSTEM_ERROR = "system_error"
    SUPPRESSED = "suppressed"
    COMPLAINT = "complaint"
    AUTO_REPLY = "auto_reply"
    UNDETERMINED = "undetermined"
    # Finer reasons, so that every reason sisimai names has exactly one of ours (see `sisimai_names`).
    AUTH_FAILURE = "auth_failure"  # SPF, DKIM or DMARC failed
    BAD_REPUTATION = "bad_reputation"  # the sending IP's or domain's reputation
    NO_RELAYING = "no_relaying"  # relaying denied
    NOT_ACCEPT = "not_accept"  # the domain accepts no mail (null MX, no server listening)
    POLICY_VIOLATION = "policy_violation"  # the receiving site's policy (not the content)
    REJECTED = "rejected"  # the envelope sender was refused
    REQUIRE_PTR = "require_ptr"  # the sending IP has no (matching) reverse DNS
    SECURITY_ERROR = "security_error"  # authentication or security requirements not met
    FILTERED = "filtered"  # refused by the recipient's own filter or address restrictions
    HAS_MOVED = "has_moved"  # the mailbox moved to another address (5.1.6)
    VIRUS = "virus"  # a virus found in the message
    TOO_MANY_CONN = "too_many_conn"  # too many connections or recipients at once
    EXCEED_LIMIT = "exceed_limit"  # over the recipient's own message size limit
    FAILED_STARTTLS = "failed_starttls"  # TLS could not be negotiated
    NOT_COMPLIANT_RFC = "not_compliant_rfc"  # the message breaks an RFC (duplicate headers, bare LF, ...)
    SYNTAX_ERROR = "syntax_error"  # an SMTP command was refused as a syntax error
    MAILER_ERROR = "mailer_error"  # a local delivery program (pipe, procmail) failed
    SYSTEM_FULL = "system_full"  # the receiving system's disk is full
    ON_HOLD = "on_hold"  # not yet decided (held, deferred without a reason)
