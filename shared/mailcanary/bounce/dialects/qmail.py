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

QMAIL = TextDialect(
    "qmail",
    lambda msg: msg.mentions("qmail-send program") or "invoked for bounce" in msg.header("Received"),
    Section(
        start=("wasn't able to deliver", "was not able to deliver", "could not be delivered"),
        head=compile_ci(rf"^<(?P<addr>{ADDRESS})>:\s*(?P<rest>.*)$"),
        end=("^--- below this line is a copy of the message", "^--- enclosed are the original headers"),
    ),
)
