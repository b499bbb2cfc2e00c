"""Properties of the bounded parsers: any bytes or text given to recipient parsing, the guard, preflight and the
SES event parser give a result or a typed error, never another exception. Example counts come from the
hypothesis profile in tests/conftest.py."""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from mailcanary.cli import EXIT_FAILED, EXIT_OK, EXIT_TOO_LARGE, main
from mailcanary.guard import check_send_raw_email
from mailcanary.recipients import Finding, FindingKind, compare, parse_header_recipients
from mailcanary.ses.errors import SesEventParseError
from mailcanary.ses.events import SesEventSummary, parse_ses_event

_PIECES = st.sampled_from(
    ["=?utf-8?q?Z=C3=B6e?=", "=?", "?=", "(", ")", '"', "\\", "<", ">", "@", ",", ":", ";", "[", "]", " ", "\r\n ",
     "a@example.com", "Name <n@example.org>", "g:", "\x00", "\udcff", "é", "xn--", "."]
)  # fmt: skip
_HEADER_VALUES = st.lists(_PIECES | st.text(max_size=6), max_size=40).map("".join)
_FIELDS = st.sampled_from(["To", "Cc", "Bcc", "Resent-To", "Subject", "From"])


def _raw(headers: list[tuple[str, str]]) -> bytes:
    text = "".join(f"{name}: {value}\r\n" for name, value in headers) + "\r\nbody\r\n"
    return text.encode("utf-8", "surrogateescape")


@given(st.lists(st.tuples(_FIELDS, _HEADER_VALUES), min_size=1, max_size=4))
def test_any_address_headers_parse_and_compare_without_raising(headers: list[tuple[str, str]]) -> None:
    # Given any address headers, When parsed and compared with an envelope
    header = parse_header_recipients(_raw(headers))
    findings = compare(intended=None, header=header, envelope=["a@example.com"])
    # Then the result is findings only, and an oversize shows as exactly one too_large finding
    assert all(isinstance(f, Finding) for f in findings)
    assert (header.oversize is not None) == any(
        f.kind is FindingKind.TOO_LARGE and f.where != "envelope" for f in findings
    )


@given(st.binary(max_size=400))
def test_any_bytes_parse_as_a_message_without_raising(data: bytes) -> None:
    # Given any bytes, When read as a raw message, Then the parser answers (it never raises on content)
    header = parse_header_recipients(data)
    assert header.oversize is None or header.oversize.size > header.oversize.cap


_ENVELOPES = st.none() | st.lists(_HEADER_VALUES | st.just("a@example.com"), max_size=4)
_DATA = st.binary(max_size=200) | _HEADER_VALUES.map(lambda v: f"To: {v}\r\n\r\nx") | st.integers() | st.none()


@given(_DATA, _ENVELOPES, st.booleans())
def test_the_guard_checks_any_parameters_without_raising(data: object, envelope: list[str] | None, v2: bool) -> None:
    # Given any raw data and destinations in either API's parameter shape
    if v2:
        params: dict[str, object] = {"Content": {"Raw": {"Data": data}}}
        if envelope is not None:
            params["Destination"] = {"ToAddresses": envelope}
    else:
        params = {"RawMessage": {"Data": data}} | ({} if envelope is None else {"Destinations": envelope})
    # When the guard checks them, Then it answers with findings (botocore refuses what is malformed)
    assert all(isinstance(f, Finding) for f in check_send_raw_email(params))


@given(headers=st.lists(st.tuples(_FIELDS, _HEADER_VALUES), min_size=1, max_size=3), as_json=st.booleans())
def test_preflight_exits_with_a_documented_code_on_any_message(headers: list[tuple[str, str]], as_json: bool) -> None:
    # Given any message in a file
    stdout, stderr = io.StringIO(), io.StringIO()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "m.eml"
        path.write_bytes(_raw(headers))
        # When preflight checks it
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            code = main(["preflight", "--raw", str(path), *(["--json"] if as_json else [])])
    out, err = stdout.getvalue(), stderr.getvalue()
    # Then it exits 0, 1 or 3 with at most one line on stderr, and any JSON is valid
    assert code in (EXIT_OK, EXIT_FAILED, EXIT_TOO_LARGE)
    assert len(err.splitlines()) <= 1
    if as_json:
        json.loads(out)


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12) | st.sampled_from(["Bounce", "a@example.com"]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=20,
)


@given(_JSON_VALUES.map(json.dumps) | st.binary(max_size=200) | st.text(max_size=200))
def test_any_ses_event_payload_gives_a_summary_or_a_typed_error(payload: str | bytes) -> None:
    # Given any payload, When parsed as an SES event, Then a summary or SesEventParseError
    with contextlib.suppress(SesEventParseError):
        assert isinstance(parse_ses_event(payload), SesEventSummary)
