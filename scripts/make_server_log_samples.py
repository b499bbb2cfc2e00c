"""Write SYNTHESISED Exim and OpenSMTPD debug logs for tests/data/transcripts (not captures).

Debian allows one MTA beside another only by replacing it, and this project's lab runs Postfix, so no Exim
or OpenSMTPD runs here. These files are written by this script from the two servers' source code:
Exim's smtp_in.c prints `SMTP<< %s` for each command read and `SMTP>> %s` for each reply written, a
multi-line reply in one write with its CRs removed (so its later lines carry no prefix), each line led by
the pid with the `+pid` selector; OpenSMTPD's smtp_session.c traces `smtp: %p: <<< %s` for each line read
and `smtp: %p: >>> %s` for each reply line; Exim's main log gets its `SMTP protocol error in "%s"` and
`SMTP protocol synchronization error (...)` lines from log_write calls in smtp_in.c. The surrounding
lines are typical, not exhaustive.
The reply texts are the servers' own wordings for these cases. Run: python scripts/make_server_log_samples.py
"""

from __future__ import annotations

from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "transcripts"

EHLO_EXIM = [
    "250-mx.example.org Hello client.example [192.0.2.10]",
    "250-SIZE 52428800",
    "250-8BITMIME",
    "250-PIPELINING",
    "250-CHUNKING",
    "250 HELP",
]


def _exim(pid: int, dialogue: list[tuple[str, str | list[str]]]) -> list[str]:
    lines = [f"{pid:5d} Process {pid} is handling incoming connection from [192.0.2.10]"]
    for arrow, text in dialogue:
        if isinstance(text, list):  # one write: later lines have no prefix, and stay together
            lines.append("\n".join([f"{pid:5d} SMTP{arrow} {text[0]}", *text[1:]]))
        else:
            lines.append(f"{pid:5d} SMTP{arrow} {text}")
        if arrow == "<<" and text == "DATA":
            lines.append(f'{pid:5d} using ACL "acl_check_data"')
        elif arrow == "<<" and isinstance(text, str) and text.startswith("RCPT"):
            lines.append(f'{pid:5d} using ACL "acl_check_rcpt"')
    return lines


def exim() -> str:
    ok = _exim(
        24101,
        [
            (">>", "220 mx.example.org ESMTP Exim 4.96 Fri, 04 Dec 2026 14:20:00 +0000"),
            ("<<", "EHLO client.example"),
            (">>", EHLO_EXIM),
            ("<<", "MAIL FROM:<canary@example.com>"),
            (">>", "250 OK"),
            ("<<", "RCPT TO:<nobody@example.org>"),
            (">>", "550 Unrouteable address"),
            ("<<", "RCPT TO:<inbox@example.org>"),
            (">>", "250 Accepted"),
            ("<<", "DATA"),
            (">>", '354 Enter message, ending with "." on a line by itself'),
            (">>", "250 OK id=1kXyZa-000AbC-12"),
            ("<<", "QUIT"),
            (">>", "221 mx.example.org closing connection"),
        ],
    )
    data_first = _exim(
        24102,
        [
            (">>", "220 mx.example.org ESMTP Exim 4.96 Fri, 04 Dec 2026 14:20:01 +0000"),
            ("<<", "EHLO client.example"),
            (">>", EHLO_EXIM),
            ("<<", "MAIL FROM:<canary@example.com>"),
            (">>", "250 OK"),
            ("<<", "RCPT TO:<nobody@example.org>"),
            (">>", "550 Unrouteable address"),
            ("<<", "DATA"),
            (
                ">>",
                [
                    "503-All RCPT commands were rejected with this error:",
                    "503-550 Unrouteable address",
                    "503 Valid RCPT command must precede DATA",
                ],
            ),
            ("<<", "QUIT"),
            (">>", "221 mx.example.org closing connection"),
        ],
    )
    rcpt_first = _exim(
        24103,
        [
            (">>", "220 mx.example.org ESMTP Exim 4.96 Fri, 04 Dec 2026 14:20:02 +0000"),
            ("<<", "EHLO client.example"),
            (">>", EHLO_EXIM),
            ("<<", "RCPT TO:<inbox@example.org>"),
            (">>", "503 sender not yet given"),
            ("<<", "QUIT"),
            (">>", "221 mx.example.org closing connection"),
        ],
    )
    mixed: list[str] = []
    for n in range(max(len(ok), len(data_first), len(rcpt_first))):  # processes interleave in one log
        mixed += [block[n] for block in (ok, data_first, rcpt_first) if n < len(block)]
    return "\n".join(mixed) + "\n"


def exim_mainlog() -> str:
    """Main-log lines in the forms Exim writes them (log_write calls in smtp_in.c), with delivery lines around."""
    return (
        "\n".join(
            [
                "2026-12-04 14:20:00 1kXyZa-000AbC-12 <= canary@example.com H=client.example [192.0.2.10] "
                "P=esmtp S=612",
                "2026-12-04 14:20:00 1kXyZa-000AbC-12 => inbox <inbox@example.org> R=local_user T=mail_spool",
                "2026-12-04 14:20:00 1kXyZa-000AbC-12 Completed",
                '2026-12-04 14:20:05 SMTP protocol error in "DATA" H=client.example [192.0.2.10] '
                "valid RCPT command must precede DATA",
                "2026-12-04 14:20:06 SMTP protocol synchronization error (input sent without waiting for greeting): "
                'rejected connection from H=[192.0.2.11] input="EHLO early.example\\r\\n"',
                "2026-12-04 14:20:07 SMTP protocol synchronization error (next input sent too soon: pipelining was not "
                'advertised): rejected "MAIL FROM:<a@example.com>" H=client.example [192.0.2.12] '
                'next input="RCPT TO:<inbox@example.org>\\r\\n"',
                '2026-12-04 14:20:08 SMTP protocol error in "AUTH LOGIN" H=(User) [192.0.2.13] '
                "AUTH command used when not advertised",
                "2026-12-04 14:20:09 H=(client.example) [192.0.2.14] F=<canary@example.com> rejected MAIL "
                "<canary@example.com>: HELO or EHLO required",
                "2026-12-04 14:20:10 SMTP connection from client.example [192.0.2.10] closed by QUIT",
            ]
        )
        + "\n"
    )


def opensmtpd() -> str:
    host = "Dec  4 14:20:00 mx smtpd[812]:"
    one, two = "0x5619a7b3c000", "0x5619a7b3d800"
    ehlo = [
        "250-mx.example.org Hello client.example [192.0.2.10], pleased to meet you",
        "250-8BITMIME",
        "250-ENHANCEDSTATUSCODES",
        "250-SIZE 36700160",
        "250-DSN",
        "250 HELP",
    ]
    lines = [
        f"{host} smtp: {one}: >>> 220 mx.example.org ESMTP OpenSMTPD",
        f"{host} smtp: {two}: >>> 220 mx.example.org ESMTP OpenSMTPD",
        f"{host} smtp: {one}: <<< EHLO client.example",
    ]
    lines += [f"{host} smtp: {one}: >>> {line}" for line in ehlo]
    lines += [
        f"{host} smtp: {two}: <<< MAIL FROM:<canary@example.com>",
        f"{host} smtp: {two}: >>> 503 5.5.1 Invalid command: Polite people say HELO first",
        f"{host} smtp: {one}: <<< MAIL FROM:<canary@example.com>",
        f"{host} smtp: {one}: >>> 250 2.0.0 Ok",
        f"{host} smtp: {two}: <<< QUIT",
        f"{host} smtp: {two}: >>> 221 2.0.0 Bye",
        f"{host} smtp: {one}: <<< RCPT TO:<inbox@example.org>",
        f"{host} smtp: {one}: >>> 250 2.1.5 Destination address valid: Recipient ok",
        f"{host} smtp: {one}: <<< DATA",
        f'{host} smtp: {one}: >>> 354 Enter mail, end with "." on a line by itself',
        f"{host} smtp: {one}: >>> 250 2.0.0 5d1e7a2c Message accepted for delivery",
        f"{host} smtp: {one}: <<< QUIT",
        f"{host} smtp: {one}: >>> 221 2.0.0 Bye",
        # the first pointer, reused by a later session that sends DATA with no transaction
        f"{host} smtp: {one}: >>> 220 mx.example.org ESMTP OpenSMTPD",
        f"{host} smtp: {one}: <<< EHLO client.example",
    ]
    lines += [f"{host} smtp: {one}: >>> {line}" for line in ehlo]
    lines += [
        f"{host} smtp: {one}: <<< DATA",
        f"{host} smtp: {one}: >>> 503 5.5.1 Invalid command: No recipient specified",
        f"{host} smtp: {one}: <<< QUIT",
        f"{host} smtp: {one}: >>> 221 2.0.0 Bye",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    (OUT / "sessions.exim-d.synthesised.log").write_text(exim())
    (OUT / "sessions.opensmtpd-T-smtp.synthesised.log").write_text(opensmtpd())
    (OUT / "mainlog.exim.synthesised.log").write_text(exim_mainlog())
