"""Our reasons under the names sisimai gives them (`parse-bounce --reason-names sisimai`).

The taxonomy is a superset of sisimai's: every sisimai reason but `delivered` (not a failure) has exactly one
of ours, and ours adds `suppressed`-style provider reasons sisimai shares. The table is total over `Reason`.
"""

from __future__ import annotations

from mailcanary.bounce.reasons import Reason

__all__ = ["SISIMAI_NAMES", "sisimai_reason"]

SISIMAI_NAMES: dict[Reason, str] = {
    Reason.USER_UNKNOWN: "userunknown",
    Reason.MAILBOX_FULL: "mailboxfull",
    Reason.MAILBOX_DISABLED: "suspend",
    Reason.HOST_UNKNOWN: "hostunknown",
    Reason.BLOCKED: "blocked",
    Reason.RATE_LIMITED: "speeding",
    Reason.SPAM: "spamdetected",
    Reason.MESSAGE_TOO_LARGE: "mesgtoobig",
    Reason.CONTENT_ERROR: "contenterror",
    Reason.EXPIRED: "expired",
    Reason.NETWORK_ERROR: "networkerror",
    Reason.SYSTEM_ERROR: "systemerror",
    Reason.SUPPRESSED: "suppressed",
    Reason.COMPLAINT: "feedback",
    Reason.AUTO_REPLY: "vacation",
    Reason.UNDETERMINED: "undefined",
    Reason.AUTH_FAILURE: "authfailure",
    Reason.BAD_REPUTATION: "badreputation",
    Reason.NO_RELAYING: "norelaying",
    Reason.NOT_ACCEPT: "notaccept",
    Reason.POLICY_VIOLATION: "policyviolation",
    Reason.REJECTED: "rejected",
    Reason.REQUIRE_PTR: "requireptr",
    Reason.SECURITY_ERROR: "securityerror",
    Reason.FILTERED: "filtered",
    Reason.HAS_MOVED: "hasmoved",
    Reason.VIRUS: "virusdetected",
    Reason.TOO_MANY_CONN: "toomanyconn",
    Reason.EXCEED_LIMIT: "exceedlimit",
    Reason.FAILED_STARTTLS: "failedstarttls",
    Reason.NOT_COMPLIANT_RFC: "notcompliantrfc",
    Reason.SYNTAX_ERROR: "syntaxerror",
    Reason.MAILER_ERROR: "mailererror",
    Reason.SYSTEM_FULL: "systemfull",
    Reason.ON_HOLD: "onhold",
}


def sisimai_reason(reason: Reason) -> str:
    """sisimai's name for one of our reasons."""
    return SISIMAI_NAMES[reason]
