"""RFC 3834 automatic responses (out-of-office and friends): recognised so they are never taken for bounces."""

from __future__ import annotations

import re

from mailcanary.bounce.message_view import MessageView

__all__ = ["is_auto_reply", "looks_like_unparsed_bounce"]

_AUTO_REPLY_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-AutoReply-From")
_AUTO_REPLY_SUBJECT = re.compile(
    r"^\s*(auto(matic)?[ -]?(reply|response|antwort)|auto:|out of (the )?office|abwesenheitsnotiz|"
    r"r[ée]ponse automatique)",
    re.IGNORECASE,
)
_BOUNCE_SENDER = re.compile(
    r"\b(mailer-daemon|mailer_daemon|mdaemon|mail-daemon|maildaemon|postmaster|mail delivery (system|subsystem))\b",
    re.IGNORECASE,
)
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|delivery (status notification|failure|failed|has failed|problem|error)|returned mail|"
    r"mail delivery failed|failure notice|non[- ]?delivery|(could|can)( ?no)?t be delivered|not delivered|"
    r"failed mail|user unknown|unknown user|delivery notification|mail (system )?error|"
    r"unzustellbar|non remis|non recapitabile|no entregado|rejected:|message (was )?rejected",
    re.IGNORECASE,
)


def is_auto_reply(view: MessageView) -> bool:
    """Auto-Submitted: auto-replied, a vendor auto-reply header, Precedence: auto_reply, or a tell-tale subject."""
    if view.header("Auto-Submitted").lower().startswith("auto-replied"):
        return True
    if any(view.has_header(name) for name in _AUTO_REPLY_HEADERS):
        return True
    if view.header("Precedence").lower() == "auto_reply":
        return True
    return _AUTO_REPLY_SUBJECT.search(view.subject) is not None


_BOUNCE_TEXT = (
    "could not be delivered to",
    "was not delivered to",
    "couldn't be delivered to",
    "unable to deliver",
    "delivery has failed",
    "delivery to the following recipient",
    "following addresses had",
    "following recipients",
    "permanent error",
    "undeliverable",
    "final-recipient:",
)


def looks_like_unparsed_bounce(view: MessageView) -> bool:
    """From a mailer daemon, titled like a non-delivery report, or a machine-made message saying so in its
    text (a person writing "could not be delivered to" is not a bounce); no dialect read it."""
    if _BOUNCE_SENDER.search(view.sender) or _BOUNCE_SUBJECT.search(view.subject):
        return True
    return view.mentions(*_BOUNCE_TEXT) and _machine_made(view) and not is_auto_reply(view)


def _machine_made(view: MessageView) -> bool:
    """Signs a program, not a person, wrote it: null return path, Auto-Submitted, a report, a returned original."""
    if view.header("Return-Path").strip() in ("<>", "") and view.has_header("Return-Path"):
        return True
    if view.header("Auto-Submitted").lower().startswith("auto-"):
        return True
    if view.message.get_content_type() == "multipart/report" or view.sender.startswith(("no-reply", "noreply")):
        return True
    return view.original_headers is not None
