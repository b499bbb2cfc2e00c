"""Hostile inputs: deep comments, deep MIME nesting, huge encoded subjects, odd bytes. Bounded and typed."""

from __future__ import annotations

import io
import json
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailcanary.bounce import BounceKind, Reason, classify, parse_bounce
from mailcanary.bounce.addresses import addresses_in, clean_address, strip_comments
from mailcanary.bounce.errors import BounceParseError, BounceTooDeepError
from mailcanary.cli import main

PROPS = settings(max_examples=150, deadline=timedelta(seconds=2), suppress_health_check=[HealthCheck.too_slow])
PARENS = b"(" * 1000


def _nested(depth: int) -> bytes:
    inner = b"Content-Type: text/plain\n\nhi\n"
    for level in range(depth):
        b = f"b{level}".encode()
        inner = (
            b'Content-Type: multipart/mixed; boundary="' + b + b'"\n\n--' + b + b"\nContent-Type: message/rfc822\n\n"
            + inner + b"\n--" + b + b"--\n"
        )  # fmt: skip
    return b"From: MAILER-DAEMON@example.org\nSubject: Undelivered Mail\n" + inner


@pytest.mark.parametrize(
    "message",
    [
        b"From: MAILER-DAEMON@example.org\nSubject: Mail delivery failed\nX-Failed-Recipients: " + PARENS
        + b"x@example.net\n\nThe following address(es) failed:\n\n  x@example.net\n    550 unknown user\n",
        b"From: " + PARENS + b"someone@example.net\nAuto-Submitted: auto-replied\nSubject: Out of office\n\nAway.\n",
        b"From: abuse@example.net\nContent-Type: multipart/report; report-type=feedback-report; boundary=B\n\n--B\n"
        b"Content-Type: message/feedback-report\n\nFeedback-Type: abuse\nOriginal-Rcpt-To: " + PARENS
        + b"x@example.net\n\n--B--\n",
    ],
    ids=["x-failed-recipients", "auto-reply-from", "arf-original-rcpt-to"],
)  # fmt: skip
def test_given_thousand_nested_comments_when_parsed_then_no_recursion_error(message: bytes) -> None:
    # Given an address field opening 1,000 comments / When parsed / Then a report, never a RecursionError
    report = parse_bounce(message)
    assert all("(" not in r.address for r in report.recipients)


def test_given_mime_nested_500_deep_when_parsed_then_typed_too_deep() -> None:
    with pytest.raises(BounceTooDeepError, match="deeper than"):
        parse_bounce(_nested(500))


def test_given_moderate_nesting_when_parsed_then_read_normally() -> None:
    assert parse_bounce(_nested(5)).kind in (BounceKind.BOUNCE, BounceKind.NOT_BOUNCE)


def test_given_megabyte_subject_of_encoded_words_when_parsed_then_read_from_a_bounded_prefix() -> None:
    subject = b" ".join([b"=?utf-8?q?Undelivered_mail?="] * 40_000)
    report = parse_bounce(b"From: MAILER-DAEMON@example.org\nSubject: " + subject + b"\n\nhello\n")
    assert report.kind is BounceKind.BOUNCE  # the decoded prefix still says what it is


def test_given_hostile_and_good_files_when_cli_runs_then_each_reported_and_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a too-deep message between two readable ones
    deep, good = tmp_path / "deep.eml", tmp_path / "good.eml"
    deep.write_bytes(_nested(500))
    good.write_bytes(
        b"From: MAILER-DAEMON@example.org\nSubject: Mail delivery failed\n\nThe following address(es) failed:\n\n"
        b"  x@example.net\n    550 5.1.1 unknown user\n"
    )
    # When parsed in one run
    code = main(["parse-bounce", "--json", str(good), str(deep), str(good)])
    # Then every file has its line, the deep one unparseable, and the exit code says some input failed
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["kind"] for line in lines] == ["bounce", "unparseable", "bounce"]
    assert "deeper than" in lines[1]["reason"]
    assert code == 1


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("<user@example.net>", "user@example.net"),
        ("rfc822;user@example.net", "user@example.net"),
        ("@relay.example.org:user@example.net", "user@example.net"),
        ("|/usr/local/bin/filter user@example.net", None),
        ("/var/mail/user", None),
        ("@example.net", None),
        ("user", None),
        ("user@localhost", "user@localhost"),
    ],
)
def test_given_token_when_cleaned_then_only_plain_addresses(token: str, expected: str | None) -> None:
    assert clean_address(token) == expected


@PROPS
@given(st.binary(max_size=2000))
def test_property_any_bytes_give_a_report_or_a_typed_error(data: bytes) -> None:
    try:
        report = parse_bounce(data)
    except BounceParseError:
        return
    assert all(clean_address(r.address) == r.address for r in report.recipients)


@PROPS
@given(
    st.lists(st.sampled_from(["(", ")", '"', "\\", "x", "@", ".", "<", ">", ",", " ", "é"]), max_size=3000),
)
def test_property_address_fields_never_recurse_and_yield_clean_addresses(chars: list[str]) -> None:
    value = "".join(chars) + " user@example.net"
    stripped = strip_comments(value)
    assert len(stripped) <= len(value)  # only ever removes
    if "\\" not in value and '"' not in value:  # plain text: no parenthesis survives, balanced or not
        assert "(" not in stripped
        assert ")" not in stripped
    assert all(clean_address(a) == a for a in addresses_in([value]))


@PROPS
@given(st.text(max_size=500), st.sampled_from(["utf-8", "iso-2022-jp", "shift_jis", "euc-kr", "gb2312", "latin-1"]))
def test_property_any_charset_body_parses(body: str, charset: str) -> None:
    encoded = body.encode(charset, errors="replace")
    message = (
        b"From: MAILER-DAEMON@example.org\nSubject: Undelivered Mail\nContent-Type: text/plain; charset="
        + charset.encode() + b"\n\n" + encoded + b"\n<user@example.net>: 550 5.1.1 unknown user\n"
    )  # fmt: skip
    report = parse_bounce(message)
    assert report.kind is BounceKind.BOUNCE


@PROPS
@given(st.text(max_size=3000), st.sampled_from([None, "5.1.1", "4.4.7", "5.0.0", "x"]), st.sampled_from([None, "RCPT"]))
def test_property_classify_any_text_gives_a_reason(text: str, status: str | None, command: str | None) -> None:
    verdict = classify(status, text, "failed", command)
    assert verdict.reason in set(Reason)


def test_given_ascii_terminal_and_latin1_notice_when_cli_prints_then_escaped_not_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an undeclared 8-bit notice and a terminal that only takes ASCII
    notice = tmp_path / "latin1.eml"
    notice.write_bytes(
        "From: MAILER-DAEMON@example.org\nSubject: Mail delivery failed\n\nThe following address(es) failed:\n\n"
        "  x@example.net\n    caf\xe9: 550 5.1.1 unknown user\n".encode("latin-1")
    )
    out = io.BytesIO()
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(out, encoding="ascii"))
    # When explained in human form
    code = main(["parse-bounce", str(notice)])
    sys.stdout.flush()
    # Then the line is printed with the character escaped, and the run succeeds
    assert code == 0
    assert b"caf\\xe9" in out.getvalue()


IDNA_LABELLED = (
    b"From: MAILER-DAEMON@example.net\r\nSubject: Undelivered Mail Returned to Sender\r\n"
    b"Content-Type: text/plain; charset=idna\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    b"<user@example.org>: host mx.example.org said: 550 5.1.1 user unknown \xff\xfe\r\n"
)


def test_given_a_charset_whose_codec_refuses_replacement_when_parsed_then_read_as_8bit_text() -> None:
    # Given a notice labelled with a codec (idna) that cannot decode with the "replace" handler
    # When it is parsed
    report = parse_bounce(IDNA_LABELLED)
    # Then it is read (as 8-bit text), not refused and not a traceback
    assert report.kind is BounceKind.BOUNCE
    assert [r.address for r in report.recipients] == ["user@example.org"]


def test_given_a_defect_raising_lookup_error_when_parsed_then_it_is_not_called_an_unreadable_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a detector with a defect that raises KeyError (a LookupError)
    def broken(view: object) -> None:
        raise KeyError("defect")

    monkeypatch.setattr("mailcanary.bounce.parse.read_feedback_report", broken)
    # When a message is parsed / Then the defect surfaces as itself, not as "unreadable message"
    with pytest.raises(KeyError, match="defect"):
        parse_bounce(IDNA_LABELLED)
