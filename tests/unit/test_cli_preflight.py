"""`mailcanary preflight`: findings and exit codes on crafted messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mailcanary.cli import main

DATA = Path(__file__).resolve().parents[1] / "data" / "preflight"
LEAKY = DATA / "header-only-and-leaked-bcc.eml"
CONSISTENT = DATA / "consistent.eml"


def test_given_crafted_message_when_preflight_then_header_only_and_leaked_bcc_flagged(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a message naming forgotten@ in To and carrying a Bcc header, sent to the simulator and blind@ only
    destinations = "success+run1@simulator.amazonses.com,blind@example.com"
    # When preflight checks it
    code = main(["preflight", "--raw", str(LEAKY), "--destinations", destinations, "--json"])
    # Then it exits 1 and names both problems
    document = json.loads(capsys.readouterr().out)
    assert code == 1
    assert document["consistent"] is False
    found = {(f["kind"], f["address"]) for f in document["findings"]}
    assert found == {("header_only", "forgotten@example.com"), ("bcc_header_leaked", "blind@example.com")}


def test_given_consistent_message_when_preflight_then_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    destinations = "success+run2@simulator.amazonses.com, J <j@B\u00fccher.example>"
    code = main(["preflight", "--raw", str(CONSISTENT), "--destinations", destinations])
    assert code == 0
    assert capsys.readouterr().out.startswith("consistent: 2 header recipients and 2 destinations")


def test_given_no_destinations_when_preflight_then_header_checks_only(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["preflight", "--raw", str(LEAKY)])
    out = capsys.readouterr().out
    assert code == 1
    assert "bcc_header_leaked" in out
    assert "header_only" not in out


def test_given_injected_destination_when_preflight_then_injection_reported(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["preflight", "--raw", str(CONSISTENT), "--destinations", "a@example.com\r\nBcc: x@evil.test"])
    assert code == 1
    assert "injection_attempt" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        ["preflight", "--raw", "/nonexistent/message.eml"],
        ["preflight", "--raw", str(CONSISTENT), "--destinations", "a@@example.com"],
        ["preflight"],
    ],
)
def test_given_unreadable_file_or_bad_arguments_when_preflight_then_exit_2_one_line(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own usage errors
        code = int(exc.code or 0)
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_given_undecodable_header_bytes_when_preflight_then_printed_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a message whose To header holds a byte that is not UTF-8
    message = tmp_path / "bad.eml"
    message.write_bytes(b"From: a@example.com\r\nTo: a@ex\xffample.com\r\n\r\nx\r\n")
    # When preflight prints its findings as text
    code = main(["preflight", "--raw", str(message)])
    # Then the defect is reported with the byte escaped (never a crash on output)
    assert code == 1
    out = capsys.readouterr().out
    assert "defective_address" in out
    assert "a@ex\\xffample.com" in out
