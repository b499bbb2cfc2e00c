"""Loading transcripts: real swaks captures (tests/data/transcripts, see its README) and our JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailcanary.smtp import Direction, Transcript, TranscriptLine, load_transcript, parse_transcript, validate
from mailcanary.smtp.errors import TranscriptFormatError
from mailcanary.smtp.transcript_io import parse_swaks_transcript

SAMPLES = Path(__file__).resolve().parents[1] / "data" / "transcripts"
CAPTURE_PASSWORD = "capture-only-secret"  # the throwaway password of the captures
CAPTURE_PLAIN_RESPONSE = "AGNhbmFyeQBjYXB0dXJlLW9ubHktc2VjcmV0"  # base64 of \0canary\0capture-only-secret

# sample -> (violated rules, refused verbs, TLS on every line)
EXPECTED = {
    "plain-ok": ([], [], False),
    "pipelining-ok": ([], [], False),
    "rcpt-refused": ([], [], False),
    "rcpt-partly-refused": ([], [], False),
    "starttls-auth-login-ok": ([], [], False),
    "starttls-auth-plain-ok": ([], [], False),
    "auth-in-clear": (["auth-before-tls"], [], False),
    "data-refused-503": ([], ["DATA"], False),
    "suppress-data-ok": ([], [], False),
    "tls-on-connect-ok": ([], [], True),
}


def test_given_the_samples_folder_when_listed_then_every_capture_has_an_expectation() -> None:
    assert {p.name.removesuffix(".swaks.txt") for p in SAMPLES.glob("*.swaks.txt")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_given_a_real_swaks_capture_when_loaded_and_validated_then_the_findings_match(name: str) -> None:
    rules, refused, all_tls = EXPECTED[name]
    # Given a real swaks transcript, When it is loaded and validated
    loaded = load_transcript(SAMPLES / f"{name}.swaks.txt")
    report = validate(loaded.transcript)
    # Then the findings are the expected ones, and info lines never became SMTP lines
    assert loaded.format == "swaks"
    assert [v.rule.value for v in report.violations] == rules
    assert [r.command for r in report.server_refusals] == refused
    assert not any(line.text.startswith(("Trying", "Connected", "TLS ")) for line in loaded.transcript)
    assert all(line.tls for line in loaded.transcript) is all_tls
    text = (SAMPLES / f"{name}.swaks.txt").read_text().splitlines()
    for index, source in enumerate(loaded.source_lines):  # each line points back at its file line
        assert loaded.transcript.lines[index].text.split()[:1] == text[source - 1][4:].split()[:1] or (
            loaded.transcript.lines[index].text == "<redacted>"
        )


def test_given_swaks_unexpected_marks_when_loaded_then_they_are_kept_on_the_right_lines() -> None:
    loaded = load_transcript(SAMPLES / "pipelining-ok.swaks.txt")
    flagged = [loaded.transcript.lines[i] for i in sorted(loaded.unexpected)]
    assert [(line.direction, line.text[:9]) for line in flagged] == [(Direction.SERVER, "550 5.1.1")]


def test_given_a_starttls_capture_when_loaded_then_tls_starts_after_the_220_and_auth_answers_are_redacted() -> None:
    lines = load_transcript(SAMPLES / "starttls-auth-login-ok.swaks.txt").transcript.lines
    starttls = next(i for i, line in enumerate(lines) if line.text == "STARTTLS")
    assert not any(line.tls for line in lines[: starttls + 2])
    assert all(line.tls for line in lines[starttls + 2 :])
    answers = [lines[i + 1].text for i, line in enumerate(lines) if line.text.startswith("334")]
    assert answers == ["<redacted>", "<redacted>"]


@pytest.mark.parametrize("name", ["starttls-auth-login-ok", "starttls-auth-plain-ok", "auth-in-clear"])
def test_given_a_capture_with_credentials_when_loaded_then_no_secret_survives(name: str) -> None:
    rendered = load_transcript(SAMPLES / f"{name}.swaks.txt").transcript.render()
    assert CAPTURE_PLAIN_RESPONSE not in rendered
    assert "Y2FwdHVyZS1vbmx5LXNlY3JldA==" not in rendered  # the LOGIN password answer
    assert CAPTURE_PASSWORD not in rendered


def test_given_bare_content_lines_after_354_when_loaded_then_they_continue_the_client_block() -> None:
    text = "<-  220 mx\n -> EHLO c\n<-  250 mx\n -> MAIL FROM:<a@b>\n<-  250 OK\n -> RCPT TO:<c@d>\n<-  250 OK\n"
    text += " -> DATA\n<-  354 go\n -> Subject: hi\n\nbody line\n.\n<-  250 queued\n"
    loaded = parse_swaks_transcript(text)
    content = [line.text for line in loaded.transcript.lines[9:13]]
    assert content == ["Subject: hi", "", "body line", "."]
    assert loaded.source_lines[9:13] == (10, 11, 12, 13)
    assert validate(loaded.transcript).valid


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("<-  220 mx\n -> EHLO c\nEHLO without a hint\n<-  250 mx\n", "line 3"),
        ("=== Trying 127.0.0.1:25...\n", "line 1"),
        ("", "format not recognised"),
        ('[{"direction": "client", "text": "EHLO c"},\n {"direction": "sideways", "text": "x"}]', "line 2"),
        ('[{"direction": "client"}]', "line 1"),
        ('[{"direction": "client", "text": 7}]', "line 1"),
        ('{"transcript": [\n  {"direction": "server", "text": "220"},\n  oops\n]}', "line 3"),
        ('{"lines": []}', "line 1"),
        ("[]", "line 1"),
        ('"just a string"', "format not recognised"),
    ],
)
def test_given_malformed_input_when_parsed_then_a_format_error_names_the_line(text: str, where: str) -> None:
    with pytest.raises(TranscriptFormatError, match=where):
        parse_transcript(text)


def test_given_probe_json_when_loaded_then_both_shapes_give_the_same_transcript(tmp_path: Path) -> None:
    lines = load_transcript(SAMPLES / "starttls-auth-plain-ok.swaks.txt").transcript.to_list()
    as_list, as_object = tmp_path / "list.json", tmp_path / "object.json"
    as_list.write_text(json.dumps(lines))
    as_object.write_text(json.dumps({"verdict": "passed", "transcript": lines}))
    first, second = load_transcript(as_list), load_transcript(as_object)
    assert first.transcript == second.transcript
    assert first.format == "json"
    assert validate(first.transcript).valid


def test_given_a_missing_file_when_loaded_then_the_error_names_it(tmp_path: Path) -> None:
    with pytest.raises(TranscriptFormatError, match=r"nothing\.txt: cannot read"):
        load_transcript(tmp_path / "nothing.txt")


def test_given_8bit_content_when_loaded_then_the_commands_are_still_judged(tmp_path: Path) -> None:
    path = tmp_path / "latin1.txt"
    path.write_bytes((SAMPLES / "plain-ok.swaks.txt").read_bytes().replace(b"test mailing", b"caf\xe9 mailing"))
    loaded = load_transcript(path)
    assert any("café" in line.text for line in loaded.transcript)
    assert validate(loaded.transcript).valid


_SAFE_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=["Cc", "Cs", "Zl", "Zp"]), max_size=40)


@given(
    st.lists(
        st.tuples(st.sampled_from(list(Direction)), _SAFE_TEXT.map(str.lstrip), st.booleans()), min_size=1, max_size=30
    )
)
def test_property_rendered_transcripts_load_back_unchanged(items: list[tuple[Direction, str, bool]]) -> None:
    # Given any transcript without AUTH lines (those are redacted on purpose) rendered the swaks way
    lines = tuple(
        TranscriptLine(float(n), d, t, tls) for n, (d, t, tls) in enumerate(items) if not t.upper().startswith("AUTH")
    )
    if not lines:
        return
    # When the text is read back
    loaded = parse_swaks_transcript(Transcript(lines).render())
    # Then direction, text and TLS state survive
    assert [(x.direction, x.text, x.tls) for x in loaded.transcript] == [(x.direction, x.text, x.tls) for x in lines]
