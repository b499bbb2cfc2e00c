"""OpenSMTPD's mailer-daemon text.

This is the MAILER-DAEMON, please DO NOT REPLY to this e-mail.

An error has occurred while attempting to deliver a message for
the following list of recipients:

user@example.net: 550 5.1.1 <user@example.net>: Recipient address rejected

Below is a copy of the original message:
"""

from __future__ import annotations

from mailcanary.bounce.dialects.base import ADDRESS, Section, TextDialect, compile_ci

OPENSMTPD = TextDialect(
    "opensmtpd",
    lambda msg: msg.mentions("this is the mailer-daemon, please do not reply"),
    Section(
        start=("following list of recipients:",),
        head=compile_ci(rf"^\s*(?P<addr>{ADDRESS}):\s*(?P<rest>.*)$"),
        end=("below is a copy of the original message",),
    ),
)
