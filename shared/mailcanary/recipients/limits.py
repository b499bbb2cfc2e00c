"""Size limits of recipient parsing: every check takes time and memory linear in its input, or says "too large".

The standard library's header parser (`email._header_value_parser`) slices the rest of the value at every
token and keeps the whole remaining text on every encoded word it decodes (`EncodedWord.cte`), so its time
and memory grow with the square of what it reads at once: a 140 KB To header of encoded words took 1.4 GB.
The parser therefore never reads more than `MAX_PARSER_CHARS` at once (a whole address list when it is
that short, else one list element at a time), and what a message may hold is capped well above anything a
real message carries. SES's own limits are the guide: 40 MB per raw message (SESv2; 10 MB for v1) and
50 recipients per message.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "MAX_ADDRESSES",
    "MAX_ADDRESS_HEADER_CHARS",
    "MAX_ENCODED_WORDS",
    "MAX_HEADER_BLOCK_BYTES",
    "MAX_PARSER_CHARS",
    "Oversize",
    "encoded_words",
    "list_elements",
]

# Everything before the first empty line of a message (the body is never read).
MAX_HEADER_BLOCK_BYTES = 256 * 1024
# All address headers of one message together (To, Cc, Bcc, Resent-*), unfolded; 650 characters per
# recipient at SES's limit of 50.
MAX_ADDRESS_HEADER_CHARS = 32 * 1024
# List elements (addresses) in those headers together, and entries of an envelope: 20 times SES's limit.
MAX_ADDRESSES = 1000
# RFC 2047 encoded words in those headers together.
MAX_ENCODED_WORDS = 1000
# The longest text the standard library's parser reads in one call: a whole list, or one element of it.
# At this size its worst case (measured) stays near 50 ms and 2 MB.
MAX_PARSER_CHARS = 4 * 1024


@dataclass(frozen=True, slots=True)
class Oversize:
    """One input over a limit: what was measured, where, how much, and the cap it passed."""

    limit: str  # the constant's name, e.g. "MAX_ADDRESS_HEADER_CHARS"
    where: str  # "headers", "envelope", or an address field such as "To"
    size: int
    cap: int

    def __str__(self) -> str:
        return f"{self.where}: {self.size} over the limit of {self.cap} ({self.limit})"


def encoded_words(text: str) -> int:
    """How many encoded words `text` may hold (each begins with `=?`): a linear count, never an overestimate of 0."""
    return text.count("=?")


def list_elements(text: str) -> int:
    """An upper bound on the addresses in an address list: its commas plus one."""
    return text.count(",") + 1
