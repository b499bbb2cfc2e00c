"""The canary message: ids, headers, recipients split between MIME and envelope."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest

from mailcanary.core.errors import UsageError
from mailcanary.message.build import (
    CANARY_ID_HEADER,
    build_canary,
    default_recipients,
    new_canary_id,
    restamp,
)
from mailcanary.recipients import (
    RecipientAddressError,
    RecipientInjectionError,
    compare,
    parse_header_recipients,
)
from mailcanary.ses.simulator import Scenario, scenario_of


def test_given_new_ids_when_made_later_then_they_sort_later_and_are_plain_labels() -> None:
    # Given a clock one millisecond apart; When an id is made at each tick
    start = 1_767_225_600_000_000_000  # 2026-01-01, in nanoseconds
    first = new_canary_id(lambda: start)
    second = new_canary_id(lambda: start + 1_000_000)
    # Then both are plain 16-character labels and the later one sorts later, whatever the random bits
    assert re.fullmatch(r"[0-9a-v]{16}", first)
    assert re.fullmatch(r"[0-9a-v]{16}", second)
    assert first < second


def test_given_canary_id_when_default_recipients_then_simulator_addresses_labelled_with_it() -> None:
    recipients = default_recipients("abc123", (Scenario.SUCCESS, Scenario.BOUNCE))
    assert recipients == ("success+abc123@simulator.amazonses.com", "bounce+abc123@simulator.amazonses.com")
    assert [scenario_of(r) for r in recipients] == [Scenario.SUCCESS, Scenario.BOUNCE]


def test_given_to_cc_bcc_when_built_then_bcc_only_on_envelope() -> None:
    # Given a canary to two visible recipients and one blind one
    canary = build_canary(
        "abc123",
        "Canary <canary@example.com>",
        to=default_recipients("abc123"),
        cc=["Ops <ops@Example.com>"],
        bcc=["hidden@example.com"],
        date=datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
    )
    parsed = message_from_bytes(canary.raw, policy=policy.default)
    # Then the MIME names To and Cc but never the blind recipient
    assert b"hidden@example.com" not in canary.raw
    assert parsed["Bcc"] is None
    assert parsed["To"] == "success+abc123@simulator.amazonses.com"
    assert parsed["Cc"] == "Ops <ops@example.com>"
    # And the envelope carries all three; the id is in its own header and in the Message-ID
    assert canary.header_recipients == ("success+abc123@simulator.amazonses.com", "ops@example.com")
    assert canary.envelope_recipients == (*canary.header_recipients, "hidden@example.com")
    assert parsed[CANARY_ID_HEADER] == "abc123"
    assert canary.message_id == parsed["Message-ID"].strip()
    assert ".abc123@example.com>" in canary.message_id
    assert parsed["Date"].datetime == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert b"\r\n" in canary.raw
    assert b"\n" not in canary.raw.replace(b"\r\n", b"")
    # And it is consistent by our own comparison
    header = parse_header_recipients(canary.raw)
    assert compare(intended=canary.plan, header=header, envelope=canary.envelope_recipients) == ()


def test_given_ses_smtp_headers_when_built_then_config_set_and_tags_headers_present() -> None:
    canary = build_canary(
        "abc",
        "c@example.com",
        ["a@example.com"],
        configuration_set="canary-set",
        message_tags={"path": "smtp", "run": "abc"},
        ses_smtp_headers=True,
    )
    parsed = message_from_bytes(canary.raw, policy=policy.default)
    assert parsed["X-SES-CONFIGURATION-SET"] == "canary-set"
    assert parsed["X-SES-MESSAGE-TAGS"] == "path=smtp, run=abc"


def test_given_api_path_when_built_then_no_ses_smtp_headers() -> None:
    canary = build_canary("abc", "c@example.com", ["a@example.com"], configuration_set="canary-set")
    assert b"X-SES-" not in canary.raw


def test_given_idn_recipient_when_built_then_header_uses_a_label() -> None:
    canary = build_canary("abc", "c@example.com", ["J\u00fcrgen <j@b\u00fccher.example>"])
    assert b"j@xn--bcher-kva.example" in canary.raw
    assert canary.header_recipients == ("j@xn--bcher-kva.example",)


@pytest.mark.parametrize(
    ("to", "error"),
    [
        (["a@example.com\r\nBcc: evil@example.com"], RecipientInjectionError),
        (["a@example.com\x00"], RecipientInjectionError),
        (["not an address"], RecipientAddressError),
        (["j\u00fcrgen@example.com"], RecipientAddressError),
    ],
)
def test_given_bad_recipient_when_built_then_typed_error(to: list[str], error: type[Exception]) -> None:
    with pytest.raises(error):
        build_canary("abc", "c@example.com", to)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"canary_id": "a b"}, "canary id"),
        ({"canary_id": "x", "to": []}, "at least one recipient"),
        ({"canary_id": "x", "message_tags": {"bad tag": "v"}, "ses_smtp_headers": True}, "SES names"),
    ],
)
def test_given_bad_input_when_built_then_usage_error(kwargs: dict[str, object], match: str) -> None:
    arguments: dict[str, object] = {"sender": "c@example.com", "to": ["a@example.com"], **kwargs}
    with pytest.raises(UsageError, match=match):
        build_canary(**arguments)  # type: ignore[arg-type]


def test_given_long_list_with_non_ascii_names_when_built_then_every_recipient_survives_folding() -> None:
    # Given recipients whose folded To header puts an encoded-word display name after a fold point
    # (CPython 3.11/3.12's folder then encodes the separating comma and merges two recipients)
    to = [
        "user10018+c000010@example0.com",
        "Ops Team <user572084+c000010@example5.com>",
        "Zo\u00eb <user22392+c000010@example12.com>",
        "\u674e\u96f7 <li@example.com>",
    ]
    canary = build_canary("c000010", "c@example.com", to, cc=["J\u00fcrgen <j@example.com>", "Ann <ann@example.com>"])
    # When the bytes are parsed back
    parsed = parse_header_recipients(canary.raw)
    # Then every recipient is there, without defects, and lines stay within 78 characters
    assert parsed.defects == ()
    assert parsed.normalised == canary.header_recipients
    assert [a.display_name for a in parsed.addresses] == [
        "",
        "Ops Team",
        "Zo\u00eb",
        "\u674e\u96f7",
        "J\u00fcrgen",
        "Ann",
    ]
    assert max(len(line) for line in canary.raw.split(b"\r\n")) <= 78


def test_given_a_canary_when_restamped_then_only_the_message_id_differs() -> None:
    # Given a canary with To, Cc (a non-ASCII display name) and Bcc, and the SES SMTP headers
    canary = build_canary(
        "abc123",
        "canary@example.com",
        ["to@example.com"],
        ["Zoë <cc@example.com>"],
        ["bcc@example.com"],
        configuration_set="cs",
        ses_smtp_headers=True,
    )
    # When it is restamped for another path
    copy = restamp(canary)
    # Then it has its own Message-ID (still carrying the canary id), and otherwise the same bytes and recipients
    assert copy.message_id != canary.message_id
    assert "abc123" in copy.message_id
    assert copy.message["Message-ID"] == copy.message_id
    assert copy.raw.replace(copy.message_id.encode(), canary.message_id.encode()) == canary.raw
    assert message_from_bytes(copy.raw, policy=policy.SMTP)["Message-ID"] == copy.message_id
    assert (copy.header_recipients, copy.envelope_recipients, copy.plan) == (
        canary.header_recipients,
        canary.envelope_recipients,
        canary.plan,
    )
    assert b"bcc@example.com" not in copy.raw
