"""Which paths wait for SES events: only sends through the configuration set, which exists in one region."""

from __future__ import annotations

import pytest

from mailcanary.config import Settings
from mailcanary.round_plan import awaits_ses_events


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
