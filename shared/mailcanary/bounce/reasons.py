"""One taxonomy of bounce reasons, and the function that classifies a (status, diagnostic) pair.

The status is an RFC 3463 enhanced code; the diagnostic is the remote reply or the notice's text. Phrases that
name a reason precisely come first, then precise codes, then broad phrases (tables in `reason_phrases`).
Hard or soft follows from the reason, or, for reasons that can be either, from the status class.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from mailcanary.bounce.phrase_table import PhraseTable, words_of
from mailcanary.bounce.reason_phrases import DIRECTORY, GENERIC, SPECIFIC
from mailcanary.bounce.taxonomy import Reason

__all__ = ["Classification", "Reason", "best_status", "classify", "inferred_status"]


@dataclass(frozen=True, slots=True)
class Classification:
    reason: Reason
    hard: bool


R = Reason
# Enhanced status "class.subject.detail" without the class → reason. Looked up exact first, then "subject.*".
_CODE_TABLE: dict[str, Reason] = {
    "1.1": R.USER_UNKNOWN, "1.2": R.HOST_UNKNOWN, "1.3": R.USER_UNKNOWN, "1.6": R.HAS_MOVED,
    "1.7": R.REJECTED, "1.8": R.REJECTED, "1.10": R.USER_UNKNOWN,
    "2.1": R.MAILBOX_DISABLED, "2.2": R.MAILBOX_FULL, "2.3": R.EXCEED_LIMIT, "2.4": R.SYSTEM_ERROR,
    "3.1": R.SYSTEM_FULL, "3.2": R.NOT_ACCEPT, "3.4": R.MESSAGE_TOO_LARGE, "3.5": R.SYSTEM_ERROR,
    "3.*": R.SYSTEM_ERROR,
    "4.1": R.NETWORK_ERROR, "4.2": R.NETWORK_ERROR, "4.3": R.SYSTEM_ERROR, "4.4": R.HOST_UNKNOWN,
    "4.5": R.RATE_LIMITED, "4.6": R.NETWORK_ERROR, "4.7": R.EXPIRED, "4.*": R.NETWORK_ERROR,
    "5.0": R.SYNTAX_ERROR, "5.3": R.TOO_MANY_CONN, "5.*": R.SYNTAX_ERROR,
    "6.*": R.CONTENT_ERROR,
    "7.1": R.BLOCKED, "7.13": R.MAILBOX_DISABLED, "7.23": R.AUTH_FAILURE, "7.24": R.AUTH_FAILURE,
    "7.25": R.REQUIRE_PTR, "7.26": R.AUTH_FAILURE, "7.27": R.NOT_ACCEPT, "7.28": R.RATE_LIMITED,
    "7.*": R.SECURITY_ERROR,
}  # fmt: skip
# Codes too broad to trust on their own: the diagnostic text decides when it names a reason.
_BROAD = frozenset({"0.0", "1.0", "2.0", "3.0", "4.0", "5.0", "6.0", "7.0", "7.1"})
# Reasons a "failed" recipient with a 4.x.x code is taken for: the MTA gave up retrying (sisimai: expired).
_GAVE_UP = frozenset({R.UNDETERMINED, R.SYSTEM_ERROR, R.HOST_UNKNOWN, R.ON_HOLD})
# Commands before DATA whose refusal of an unknown user means the address (sisimai's "except DATA" set).
_BEFORE_DATA = frozenset({"RCPT", "MAIL", "CONN"})

_ALWAYS_HARD = frozenset({R.USER_UNKNOWN, R.MAILBOX_DISABLED, R.HOST_UNKNOWN, R.SUPPRESSED, R.HAS_MOVED, R.NOT_ACCEPT})
_ALWAYS_SOFT = frozenset(
    {
        R.MAILBOX_FULL,
        R.RATE_LIMITED,
        R.EXPIRED,
        R.NETWORK_ERROR,
        R.COMPLAINT,
        R.AUTO_REPLY,
        R.TOO_MANY_CONN,
        R.SYSTEM_FULL,
        R.ON_HOLD,
    }
)  # these never mean "stop sending to this address" by themselves

# An address (a whole token: the look-behind spares the engine a try at every letter of every word) or a URL.
_NAMES_IN_TEXT = re.compile(r"(?<![\w.+-])[\w.+-]{1,128}@[\w.-]{1,255}|https?://\S{1,2000}")
_ADDRESSES_IN_TEXT = re.compile(r"(?<![\w.+-])[\w.+-]{1,128}@[\w.-]{1,255}")
_ENHANCED = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.]*\d)")
_BASIC = re.compile(r"(?<![\d.])([245])\d\d(?![\d.])")


def best_status(text: str | None) -> str | None:
    """The most telling enhanced status code in free text: the first specific one, else the first one."""
    if not text:
        return None
    if _ENHANCED.fullmatch(text):  # already one code (a DSN's Status field): nothing to rank
        return text
    first = None
    for match in _ENHANCED.finditer(text):
        klass, subject, detail = match.groups()
        if f"{subject}.{detail}" not in _BROAD:
            return f"{klass}.{subject}.{detail}"
        first = first or f"{klass}.{subject}.{detail}"
    return first


def classify(
    status: str | None,
    diagnostic: str | None,
    action: str | None = None,
    command: str | Callable[[], str | None] | None = None,
    known: Reason | None = None,
) -> Classification:
    """Reason and hardness of one failed recipient from its status code and diagnostic text.

    `known` is a reason the report's format alone implies. Otherwise phrases that name a reason precisely
    decide first; then a precise status code; then broad phrases. An unknown-user reply is taken, as sisimai
    takes it, for a filter's refusal (`filtered`, still hard) unless the session refused it before DATA
    (`command`: RCPT, MAIL or the greeting, see `smtp_command`), its code is an addressing one (X.1.y) or its
    wording is one only the mailbox's own server writes (`DIRECTORY`): filtering gateways and appliances
    answer "User unknown" for their own reasons and name no command. A recipient the MTA
    reports `failed` with a temporary (4.x.x) code and no telling text was given up on: `expired`.
    """
    code = best_status(status) or best_status(diagnostic)
    if code and code.endswith(".0.0") and diagnostic:  # "other or undefined": the reply's own code, if it has one
        code = best_status(diagnostic) or code
    detail = code.split(".", 1)[1] if code else None
    by_code = _lookup(detail) if detail else None
    text = _text(diagnostic) if diagnostic and known is None else None
    reason = known or (_SPECIFIC.first(*text) if text else None)
    from_text = reason is not None
    if reason is None and by_code is not None and detail not in _BROAD:
        reason = by_code
    if reason is None:
        reason = (_GENERIC.first(*text) if text else None) or by_code or R.UNDETERMINED
    hard: bool | None = None
    if (
        reason is R.USER_UNKNOWN
        and text is not None
        and not (detail or "").startswith("1.")  # (X.1.y: addressing status, the address itself is wrong)
        and _DIRECTORY.first(*text) is None
        and (command() if callable(command) else command) not in _BEFORE_DATA
    ):  # (the command is looked for only here: reading it from a long notice is not free)
        reason, hard = R.FILTERED, True  # (the recipient was refused for good all the same)
    if not from_text and action == "failed" and code and code.startswith("4") and reason in _GAVE_UP:
        reason = R.EXPIRED
    return Classification(reason, _hard(reason, code, diagnostic) if hard is None else hard)


_SPECIFIC = PhraseTable(SPECIFIC)
_GENERIC = PhraseTable(GENERIC)
_DIRECTORY = PhraseTable(DIRECTORY)


def _text(diagnostic: str) -> tuple[str, frozenset[str]]:
    """The diagnostic as the phrase tables read it, and its words (both tables share one tokenising): lower-cased,
    addresses blanked and URLs cut to their host, as `spam@example.net` or `.../reason/#blocked` are names,
    not reasons."""
    text = diagnostic.lower()
    if "://" in text:
        text = _NAMES_IN_TEXT.sub(_host_only, text)
    elif "@" in text:  # (no URL: the addresses' pattern alone, which answers the same)
        text = _ADDRESSES_IN_TEXT.sub(" ", text)
    return text, words_of(text)


def _host_only(match: re.Match[str]) -> str:
    """An address becomes a blank; a URL its host (spamhaus.org names a block list, a path names nothing)."""
    text = match.group(0)
    parts = text.split("/", 3)
    return f" {parts[2]} " if text.startswith("http") and len(parts) > 2 else " "


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


# The enhanced code's "subject.detail" a reason stands for, when the message carries no code at all.
_DETAIL_OF: dict[Reason, str] = {
    R.USER_UNKNOWN: "1.1", R.HOST_UNKNOWN: "1.2", R.HAS_MOVED: "1.6", R.REJECTED: "1.8", R.NOT_ACCEPT: "1.10",
    R.MAILBOX_DISABLED: "2.1", R.MAILBOX_FULL: "2.2", R.EXCEED_LIMIT: "2.3", R.MESSAGE_TOO_LARGE: "3.4",
    R.SYSTEM_FULL: "3.1", R.MAILER_ERROR: "3.0", R.SYSTEM_ERROR: "3.0", R.NETWORK_ERROR: "4.0",
    R.EXPIRED: "4.7", R.RATE_LIMITED: "4.5", R.TOO_MANY_CONN: "4.5", R.SYNTAX_ERROR: "5.2",
    R.CONTENT_ERROR: "6.0", R.SPAM: "7.1", R.VIRUS: "7.1", R.BLOCKED: "7.1", R.NO_RELAYING: "7.1",
    R.POLICY_VIOLATION: "7.1", R.FILTERED: "7.1", R.SECURITY_ERROR: "7.0", R.AUTH_FAILURE: "7.26",
    R.REQUIRE_PTR: "7.25", R.FAILED_STARTTLS: "7.10",
}  # fmt: skip


def inferred_status(reason: Reason, diagnostic: str | None, action: str | None) -> str | None:
    """The best enhanced code for a recipient whose message carries none: the class from the SMTP reply code in
    the text (else from the action), the rest from the reason. None when the reason says nothing."""
    detail = _DETAIL_OF.get(reason)
    if detail is None:
        return None
    basic = _BASIC.search(diagnostic or "")
    klass = basic.group(1) if basic is not None and basic.group(1) in "45" else ("4" if action == "delayed" else "5")
    return f"{klass}.{detail}"
