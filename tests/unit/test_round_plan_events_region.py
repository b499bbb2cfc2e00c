"""Which paths wait for SES events: only sends through the configuration set, which exists in one region."""

from __future__ import annotations

import pytest

from mailcanary.config.events import RoundOverrides
from mailcanary.config.runtime import Runtime
from mailcanary.config.settings import Settings, SmtpTargetConfig
from mailcanary.message.build import SES_CONFIGURATION_SET_HEADER
from mailcanary.round.plan import awaits_ses_events, plan_round
from mailcanary.round.run import round_paths


def _settings(ses_region: str, configuration_set_region: str = "") -> Settings:
    return Settings(ses_region=ses_region, configuration_set_region=configuration_set_region)


@pytest.mark.parametrize(
    ("ses_region", "configuration_set_region", "expected"),
    [
        ("us-east-1", "", True),  # the configuration set is where the API path sends (the default)
        ("us-east-1", "us-east-1", True),
        ("eu-west-1", "us-east-1", False),  # SesRegion other than the stack's: no configuration set there
    ],
)
def test_given_the_api_path_when_its_region_is_compared_then_only_the_configuration_set_region_awaits_events(
    ses_region: str, configuration_set_region: str, expected: bool
) -> None:
    assert awaits_ses_events(_settings(ses_region, configuration_set_region)) is expected


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("email-smtp.us-east-1.amazonaws.com", True),  # SES SMTP of the configuration set's region
        ("email-smtp-fips.us-east-1.amazonaws.com", True),
        ("EMAIL-SMTP.US-EAST-1.AMAZONAWS.COM", True),
        ("email-smtp.eu-west-1.amazonaws.com", False),  # SES SMTP of another region
        ("email-smtp.ap-southeast-2.amazonaws.com", False),
        ("relay.example.com", True),  # not SES: may relay through SES with the configuration set header
        ("127.0.0.1", True),
    ],
)
def test_given_an_smtp_target_when_its_host_is_read_then_only_ses_of_another_region_awaits_no_events(
    host: str, expected: bool
) -> None:
    assert awaits_ses_events(_settings("us-east-1"), host) is expected


def test_given_ses_smtp_of_another_region_when_paths_are_built_then_it_alone_goes_without_the_configuration_set() -> (
    None
):
    # Given the configuration set in us-east-1, an SES SMTP endpoint there, one in eu-west-1, and a relay
    targets = [
        SmtpTargetConfig(name=name, host=host, port=587, auth=False)
        for name, host in (
            ("home", "email-smtp.us-east-1.amazonaws.com"),
            ("abroad", "email-smtp.eu-west-1.amazonaws.com"),
            ("relay", "relay.example.com"),
        )
    ]
    settings = Settings(ses_region="us-east-1", configuration_set="mailcanary", smtp_targets=tuple(targets))
    plan = plan_round(settings, RoundOverrides(trigger="console", paths=frozenset({"smtp"})), "c1")
    # When the round's paths are built (nothing is sent)
    paths = round_paths(Runtime(settings), plan, None, None)
    # Then only the out-of-region SES endpoint goes without the configuration set header and awaits no events
    header = {path.target: path.message.message[SES_CONFIGURATION_SET_HEADER] for path in paths}
    assert header == {"home": "mailcanary", "abroad": None, "relay": "mailcanary"}
    assert {path.target: path.awaits_ses_events for path in paths} == {"home": True, "abroad": False, "relay": True}
    # and every path still has its own Message-ID
    assert len({path.message.message_id for path in paths}) == 3
