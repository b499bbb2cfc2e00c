"""OpenSMTPD's mailer-daemon text.

This is the MAILER-DAEMON, please DO NOT REPLY to this e-mail.

An error has occurred while attempting to deliver a message for
the following list of recipients:

user@example.net: 550 5.1.1 <user@example.net>: Recipient address rejected

Below is a copy of the original message:
"""

from __future__ import annotations

from mailcanary.bounce.dialects.base import ADDRESS, Section, TextDialect, compile_ci

_INTRO = compile_ci(r"This is the MAILER-DAEMON, please DO NOT REPLY")

OPENSMTPD = TextDialect(
    "opensmtpd",
    lambda msg: _INTRO.search(msg.text) is not None,
    Section(
        start=compile_ci(r"following list of recipients:"),
        head=compile_ci(rf"^\s*(?P<addr>{ADDRESS}):\s*(?P<rest>.*)$"),
        end=compile_ci(r"Below is a copy of the original message"),
    ),
)
