"""The CLI entry: one line and a documented code for every way a command can end, and JSON without surrogates."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

import pytest

from mailcanary.cli import EXIT_BROKEN_PIPE, EXIT_INTERNAL, EXIT_TOO_LARGE, main
from mailcanary.cli import cost as cost_command
from mailcanary.cli.safe_io import clean_text, json_text


def _raising(exc: BaseException) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        raise exc

    return run


@pytest.mark.parametrize(
    ("exc", "code", "line"),
    [
        (
            RuntimeError("boom\nsecond line"),
            EXIT_INTERNAL,
            "mailcanary cost: internal error: RuntimeError: boom second line",
        ),
        (RecursionError("deep"), EXIT_INTERNAL, "mailcanary cost: internal error: RecursionError: deep"),
        (UnicodeEncodeError("ascii", "\udcff", 0, 1, "x"), EXIT_INTERNAL, "mailcanary cost: internal error: Unicode"),
        (KeyboardInterrupt(), 130, "mailcanary cost: interrupted"),
    ],
)
def test_an_unexpected_end_is_one_line_and_a_documented_code(
    exc: BaseException, code: int, line: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a sub-command that ends with an exception it did not expect
    monkeypatch.setattr(cost_command, "run", _raising(exc))
    # When it runs
    result = main(["cost"])
    # Then the exit code is the documented one and stderr is one line, no traceback
    err = capsys.readouterr().err
    assert result == code
    assert len(err.splitlines()) == 1
    assert err.startswith(line)
    assert "Traceback" not in err


def test_a_broken_pipe_ends_quietly_with_141(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a sub-command whose stdout reader has gone away
    monkeypatch.setattr(cost_command, "run", _raising(BrokenPipeError(32, "Broken pipe")))
    # When it runs, Then it exits 141 and says nothing
    assert main(["cost"]) == EXIT_BROKEN_PIPE
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    ("text", "clean"),
    [
        ("plain", "plain"),
        ("Zoë", "Zoë"),
        (b"\xff\xfe".decode("utf-8", "surrogateescape"), "\\xff\\xfe"),
        ("\ud800 lone", "\\ud800 lone"),
    ],
)
def test_clean_text_leaves_no_lone_surrogate(text: str, clean: str) -> None:
    assert clean_text(text) == clean
    clean_text(text).encode("utf-8")  # never raises


def test_json_text_escapes_undecodable_bytes_in_keys_and_nested_values() -> None:
    # Given a document holding undecodable bytes kept by surrogateescape
    bad = b"a\xffb".decode("utf-8", "surrogateescape")
    document: dict[str, Any] = {bad: [bad, {"k": (bad, 1, None)}]}
    # When written as JSON, Then it is valid UTF-8 and reads back with visible escapes
    text = json_text(document)
    text.encode("utf-8")
    assert json.loads(text) == {"a\\xffb": ["a\\xffb", {"k": ["a\\xffb", 1, None]}]}


def test_preflight_destinations_over_the_limit_exit_3_with_one_line(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a consistent message and a --destinations list longer than the parser reads at once
    message = tmp_path / "m.eml"
    message.write_bytes(b"From: a@example.com\r\nTo: a@example.com\r\n\r\nbody\r\n")
    destinations = ", ".join(f'"U, {i}" <u{i}@example.com>' for i in range(200))
    # When preflight runs, Then it exits 3 with one line naming the limit
    assert main(["preflight", "--raw", str(message), "--destinations", destinations]) == EXIT_TOO_LARGE
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1
    assert "MAX_PARSER_CHARS" in err
