"""Microsoft Exchange, Office 365 and Outlook.com non-delivery reports without a usable DSN part.

Two generations: the classic Exchange text ("The following recipient(s) could not be reached:" with the
reason indented below each address) and the Office 365 text ("Delivery has failed to these recipients or
groups:" and, further down, "Remote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'").
"""

from __future__ import annotations

from mailcanary.bounce.dialects.base import ADDRESS, Section, TextDialect, compile_ci
from mailcanary.bounce.message_view import MessageView

_PHRASES = (
    "could not be reached",
    "delivery has failed to these recipients",
    "did not reach some or all of the intended",
    "couldn't be delivered",
)


def _detect(msg: MessageView) -> bool:
    if msg.has_header("X-MS-Exchange-Message-Is-Ndr"):
        return True
    mailer = msg.header("X-Mailer").lower()
    return "microsoft exchange" in mailer or msg.mentions(*_PHRASES)


EXCHANGE = TextDialect(
    "exchange",
    _detect,
    # Office 365: the administrators' section carries the remote reply per recipient.
    Section(
        start=("^diagnostic information for administrators",),
        head=compile_ci(rf"^\s*(?P<addr>{ADDRESS})\s*$"),
        end=("^original message headers", "^message hops"),
    ),
    Section(
        start=("delivery has failed to these recipients or groups",),
        head=compile_ci(rf"^\s*(?P<addr>{ADDRESS})(?:\s*\({ADDRESS}\))?\s*(?P<rest>.*)$"),
        end=("^diagnostic information for administrators", "^original message headers"),
    ),
    # Classic Exchange: "      user@example.net on 4/29/01 11:34:45 PM" then the indented reason.
    Section(
        start=("following recipient(s) could not be reached",),
        head=compile_ci(rf"^\s*(?P<addr>{ADDRESS})(?: on .*)?\s*$"),
    ),
)
