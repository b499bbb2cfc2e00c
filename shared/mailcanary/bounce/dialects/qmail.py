"""qmail's QSBMF (http://cr.yp.to/proto/qsbmf.txt) and the look-alikes of its forks.

Hi. This is the qmail-send program at example.com.
I'm afraid I wasn't able to deliver your message to the following addresses.
This is a permanent error; I've given up. Sorry it didn't work out.

<user@example.net>:
192.0.2.1 does not like recipient.
Remote host said: 550 5.1.1 <user@example.net>... User unknown

--- Below this line is a copy of the message.
"""

from __future__ import annotations

from mailcanary.bounce.dialects.base import ADDRESS, Section, TextDialect, compile_ci

_INTRO = compile_ci(r"This is the qmail-send program|qmail-send program at|invoked for bounce")

QMAIL = TextDialect(
    "qmail",
    lambda msg: _INTRO.search(msg.text) is not None or _INTRO.search(str(msg.message.get("Received", ""))) is not None,
    Section(
        start=compile_ci(r"(wasn't|was not) able to deliver|could not be delivered"),
        head=compile_ci(rf"^<(?P<addr>{ADDRESS})>:\s*(?P<rest>.*)$"),
        end=compile_ci(r"^--- Below this line is a copy of the message|^--- Enclosed are the original headers"),
    ),
)
