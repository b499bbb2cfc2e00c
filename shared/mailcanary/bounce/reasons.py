"""One taxonomy of bounce reasons, and the function that classifies a (status, diagnostic) pair.

The status is an RFC 3463 enhanced code. Precise codes (5.1.1, 4.2.2, ...) decide on their own; broad ones
(x.0.0, x.7.1, ...) and a missing status let the diagnostic text decide, through one ordered table of
patterns. Hard or soft follows from the reason, or, for reasons that can be either, from the status class.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Classification", "Reason", "best_status", "classify"]


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


@dataclass(frozen=True, slots=True)
class Classification:
    reason: Reason
    hard: bool


R = Reason
# Enhanced status "class.subject.detail" without the class → reason. Looked up exact first, then "subject.*".
_CODE_TABLE: dict[str, Reason] = {
    "1.1": R.USER_UNKNOWN, "1.2": R.HOST_UNKNOWN, "1.3": R.USER_UNKNOWN, "1.6": R.MAILBOX_DISABLED,
    "1.7": R.BLOCKED, "1.8": R.BLOCKED, "1.10": R.HOST_UNKNOWN,
    "2.1": R.MAILBOX_DISABLED, "2.2": R.MAILBOX_FULL, "2.3": R.MESSAGE_TOO_LARGE, "2.4": R.SYSTEM_ERROR,
    "3.1": R.SYSTEM_ERROR, "3.4": R.MESSAGE_TOO_LARGE, "3.*": R.SYSTEM_ERROR,
    "4.1": R.NETWORK_ERROR, "4.2": R.NETWORK_ERROR, "4.3": R.NETWORK_ERROR, "4.4": R.HOST_UNKNOWN,
    "4.5": R.RATE_LIMITED, "4.6": R.SYSTEM_ERROR, "4.7": R.EXPIRED, "4.*": R.NETWORK_ERROR,
    "5.3": R.RATE_LIMITED, "5.*": R.SYSTEM_ERROR,
    "6.*": R.CONTENT_ERROR,
    "7.1": R.BLOCKED, "7.28": R.RATE_LIMITED, "7.*": R.BLOCKED,
}  # fmt: skip
# Codes too broad to trust on their own: the diagnostic text decides when it names a reason.
_BROAD = frozenset({"0.0", "1.0", "2.0", "3.0", "4.0", "5.0", "6.0", "7.0", "7.1"})

# Diagnostic text → reason: the first rule with a phrase found in the lower-cased text wins, so order matters
# (specific before generic). Plain phrases, not regular expressions: `in` is many times cheaper per message.
_TEXT_TABLE: tuple[tuple[tuple[str, ...], Reason], ...] = (
    (("suppressed", "suppression list"), R.SUPPRESSED),
    (("domain does not exist", "domain not found", "domain name not found", "host not found", "host unknown",
      "unknown host", "no mx", "name or service not known", "nxdomain", "unroutable", "unrouteable",
      "no such domain", "null mx"), R.HOST_UNKNOWN),
    (("user unknown", "username unknown", "unknown user", "unknown recipient", "unknown mailbox", "unknown address",
      "no such user", "no such mailbox", "no such recipient", "no such address", "not found", "does not exist",
      "doesn't exist", "not listed in", "invalid recipient", "invalid mailbox", "invalid address",
      "not a valid recipient", "not a valid mailbox", "address rejected", "recipnotfound", "mailbox unavailable",
      "couldn't be found", "could not be found"), R.USER_UNKNOWN),
    (("mailbox full", "mailbox is full", "over quota", "overquota", "quota exceeded", "exceeded quota",
      "exceeds quota", "exceeded the quota", "exceeded their quota", "exceeded storage", "exceeds storage",
      "insufficient storage", "mailbox size limit"), R.MAILBOX_FULL),
    (("disabled", "inactive", "suspended", "deactivated", "account closed", "account has been closed",
      "mailbox closed", "account is locked", "account expired", "account has expired"), R.MAILBOX_DISABLED),
    (("too large", "too big", "size exceeds", "message size exceed", "maximum message size", "size limit exceeded",
      "message exceeds"), R.MESSAGE_TOO_LARGE),
    (("spam", "virus", "malware", "phish", "unsolicited", "bulk mail"), R.SPAM),
    (("rate limit", "rate-limit", "too many messages", "too many connections", "too many recipients", "throttl",
      "slow down", "try again later", "try later", "sending limits", "unusual rate"), R.RATE_LIMITED),
    (("blocked", "blocklist", "blacklist", "denied", "not permitted", "not allowed", "not authorized",
      "not authorised", "relaying", "policy", "reputation", "spf", "dkim", "dmarc", "refused by", "rejected for"),
     R.BLOCKED),
    (("connection refused", "connection reset", "connection timed out", "no route to host", "network",
      "unreachable", "tls", "lost connection"), R.NETWORK_ERROR),
    (("expired", "too long", "retry time", "timed out", "timeout", "time out", "giving up", "gave up",
      "in the queue"), R.EXPIRED),
    (("header", "content", "mime", "8bit", "line too long", "malformed", "syntax"), R.CONTENT_ERROR),
    (("system", "internal", "temporar", "unavailable", "resources", "server error", "not responding"),
     R.SYSTEM_ERROR),
)  # fmt: skip

_ALWAYS_HARD = frozenset({R.USER_UNKNOWN, R.MAILBOX_DISABLED, R.HOST_UNKNOWN, R.SUPPRESSED})
_ALWAYS_SOFT = frozenset(
    {R.MAILBOX_FULL, R.RATE_LIMITED, R.EXPIRED, R.NETWORK_ERROR, R.COMPLAINT, R.AUTO_REPLY}
)  # these never mean "stop sending to this address" by themselves

_ENHANCED = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.]*\d)")
_BASIC = re.compile(r"(?<![\d.])([245])\d\d(?![\d.])")


def best_status(text: str | None) -> str | None:
    """The most telling enhanced status code in free text: the first specific one, else the first one."""
    if not text:
        return None
    if _ENHANCED.fullmatch(text):  # already one code (a DSN's Status field): nothing to rank
        return text
    codes = [".".join(m.groups()) for m in _ENHANCED.finditer(text)]
    specific = [code for code in codes if code.split(".", 1)[1] not in _BROAD]
    ranked = specific or codes
    return ranked[0] if ranked else None


def classify(status: str | None, diagnostic: str | None) -> Classification:
    """Reason and hardness of one failed recipient from its status code and diagnostic text."""
    code = best_status(status) or best_status(diagnostic)
    detail = code.split(".", 1)[1] if code else None
    by_code = _lookup(detail) if detail else None
    if diagnostic and "suppress" in diagnostic.lower():  # SES reports suppression with a 5.1.1 code
        reason = _by_text(diagnostic) or by_code or R.UNDETERMINED
    elif by_code is not None and detail not in _BROAD:
        reason = by_code  # a precise code decides; the text table is not even consulted
    else:
        reason = _by_text(diagnostic) or by_code or R.UNDETERMINED
    return Classification(reason, _hard(reason, code, diagnostic))


def _by_text(diagnostic: str | None) -> Reason | None:
    if not diagnostic:
        return None
    text = diagnostic.lower()
    return next((reason for phrases, reason in _TEXT_TABLE if any(p in text for p in phrases)), None)


def _lookup(detail: str) -> Reason | None:
    subject = detail.split(".", 1)[0]
    return _CODE_TABLE.get(detail) or _CODE_TABLE.get(f"{subject}.*")


def _hard(reason: Reason, code: str | None, diagnostic: str | None) -> bool:
    if reason in _ALWAYS_HARD:
        return True
    if reason in _ALWAYS_SOFT:
        return False
    if code:
        return code.startswith("5")
    basic = _BASIC.search(diagnostic or "")
    return basic is not None and basic.group(1) == "5"
