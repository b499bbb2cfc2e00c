"""Which SMTP command the remote server refused: RCPT, MAIL, DATA (or a connection-stage reply), if the text says.

The same "User unknown" means an unknown address when refused at RCPT and a content filter's verdict when
refused after DATA; sisimai calls the second `filtered`. Reports say it in a few fixed ways: Postfix
"(in reply to RCPT TO command)", Exim "after RCPT TO:", sendmail's transcript ">>> DATA", qmail "does not
like recipient", DragonFly "did not like our RCPT TO".
"""

from __future__ import annotations

import re

__all__ = ["refused_command"]

_TRANSCRIPT = re.compile(r">>>\s*(rcpt|mail|data|helo|ehlo)\b|<<<\s*[45]\d\d")
# Each pattern starts with a literal, so the engine skips ahead to it: one alternation of them all would try
# every position of a long notice.
_STATED = tuple(
    re.compile(pattern)
    for pattern in (
        r"in reply to (rcpt|mail|end of data|data|helo|ehlo)\b",
        r"after (rcpt|mail|end of data|data|initial connection)\b",
        r"our (rcpt|mail)(?: to| from)",
        r"the (rcpt|mail)(?: to| from)",
        r"(rcpt|mail|data) command",
        r"does not like (recipient)",
        r"smtp command\W{1,3}(rcpt|mail|data)",
        r"smtp:(rcpt|mail|data)\b",
        r"\[(rcpt|mail|data)_(?:to|from)\]",
        r"most progress was (rcpt|mail|data)\b",
    )
)
_NAMES = {"rcpt": "RCPT", "recipient": "RCPT", "mail": "MAIL", "data": "DATA", "end of data": "DATA"}
# (in the notice, "the mail system" and "your mail" are no command: only "mail from" is)
_MAX_SCAN = 20_000


def refused_command(text: str | None) -> str | None:
    """RCPT, MAIL, DATA, CONN (greeting/HELO) or None, from a diagnostic or a notice (its first 20,000 chars)."""
    if not text:
        return None
    text = text[:_MAX_SCAN].lower()
    if ">>>" in text:
        sent = None
        for line in _TRANSCRIPT.finditer(text):  # the last command sent before the first refusal
            if line.group(1) is None:
                if sent is not None:
                    return _NAMES.get(sent, "CONN")
                break
            sent = line.group(1)
    found = [stated for pattern in _STATED if (stated := pattern.search(text)) is not None]
    if found:
        first = min(found, key=lambda stated: stated.start())  # the earliest statement in the text
        return _NAMES.get(first.group(1), "CONN")
    return None
