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

# Diagnostic text → reason; the first matching pattern wins, so order matters (specific before generic).
_TEXT_TABLE: tuple[tuple[re.Pattern[str], Reason], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), reason)
    for pattern, reason in (
        (r"suppress(ed|ion list)|on the suppression", R.SUPPRESSED),
        (r"domain (does not exist|not found|name not found)|host (not found|unknown)|unknown host|"
         r"no mx|name or service not known|nxdomain|unrout(e)?able|no such domain|null mx", R.HOST_UNKNOWN),
        (r"user(name)? unknown|unknown (user|recipient|mailbox|address)|no such (user|mailbox|recipient|address)|"
         r"(user|recipient|mailbox|address) (not found|does not exist|doesn't exist)|not listed in|"
         r"invalid (recipient|mailbox|address)|not a valid (recipient|mailbox)|address rejected|"
         r"recipnotfound|mailbox unavailable|account does not exist|addresses? (couldn't|could not) be found",
         R.USER_UNKNOWN),
        (r"mailbox (is )?full|over ?quota|quota exceeded|exceed(ed|s) (the )?(storage|quota)|insufficient storage|"
         r"mailbox size limit", R.MAILBOX_FULL),
        (r"(account|mailbox|user) (is |has been )?(disabled|inactive|suspended|deactivated|closed|locked|expired)",
         R.MAILBOX_DISABLED),
        (r"(message|mail) (size )?(is )?(too (large|big)|exceeds)|size (limit )?exceed", R.MESSAGE_TOO_LARGE),
        (r"spam|virus|malware|phish|unsolicited|bulk mail", R.SPAM),
        (r"rate limit|too many (messages|connections|recipients)|throttl|slow down|try (again )?later|"
         r"exceeded .*sending limits", R.RATE_LIMITED),
        (r"block(ed|list)|blacklist|denied|not (permitted|allowed|authori[sz]ed)|relaying|policy|reputation|"
         r"\bspf\b|\bdkim\b|\bdmarc\b|refused by|rejected for", R.BLOCKED),
        (r"connection (refused|reset|timed out)|no route to host|network|unreachable|\btls\b|lost connection",
         R.NETWORK_ERROR),
        (r"expired|too long|retry time|timed? ?out|giving up|gave up|in the queue", R.EXPIRED),
        (r"header|content|mime|8bit|line too long|malformed|syntax", R.CONTENT_ERROR),
        (r"system|internal|temporar|unavailable|resources|server error|not responding", R.SYSTEM_ERROR),
    )
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
    codes = [".".join(m.groups()) for m in _ENHANCED.finditer(text)]
    specific = [code for code in codes if code.split(".", 1)[1] not in _BROAD]
    ranked = specific or codes
    return ranked[0] if ranked else None


def classify(status: str | None, diagnostic: str | None) -> Classification:
    """Reason and hardness of one failed recipient from its status code and diagnostic text."""
    code = best_status(status) or best_status(diagnostic)
    detail = code.split(".", 1)[1] if code else None
    by_code = _lookup(detail) if detail else None
    by_text = next((reason for pattern, reason in _TEXT_TABLE if diagnostic and pattern.search(diagnostic)), None)
    if by_text is R.SUPPRESSED or (by_text is not None and (detail is None or detail in _BROAD)):
        reason = by_text
    else:
        reason = by_code or by_text or R.UNDETERMINED
    return Classification(reason, _hard(reason, code, diagnostic))


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
