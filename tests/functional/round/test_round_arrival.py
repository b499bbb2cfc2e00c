"""A round with a receiver configured: an SMTP path to a target that is not SES waits for its arrived copy, with
the sent fingerprint on record; without a receiver it is decided at acceptance, as before."""

from __future__ import annotations

from plain_relay import PlainRelay

from mailcanary.config.events import RoundOverrides
from mailcanary.core.checks import CanaryState
from mailcanary.services.rounds import canary_round
from tests.support.aws_world import AwsWorld

DOMAIN = "inbound.example.org"


def test_given_a_receiving_domain_when_a_round_sends_to_a_plain_mta_then_the_path_awaits_its_arrival(
    aws: AwsWorld,
) -> None:
    with PlainRelay() as relay:
        # Given a receiving domain and one SMTP target that is a plain MTA (no SES message id in its reply)
        runtime = aws.runtime(smtp_targets=[relay.target()], receiving_domain=DOMAIN)
        # When a round runs
        result = canary_round(runtime, RoundOverrides(trigger="schedule", paths=frozenset({"smtp"})))
    # Then the canary went to a mailbox on the receiving domain, and the path passed its send-time checks
    assert result.passed, result.to_summary()
    [(rcpts, raw)] = relay.messages
    assert rcpts == (f"canary+{result.canary_id}@{DOMAIN}",)
    # And it is pending, awaiting its copy, with what the arrival checks compare on record
    canary = aws.canary(result.canary_id)
    [path] = canary.paths
    assert (canary.state, path.state, path.awaits_arrival, path.ses_message_id) == (
        CanaryState.PENDING,
        CanaryState.PENDING,
        True,
        "",
    )
    assert path.fingerprint is not None
    assert path.fingerprint.message_id.encode() in raw
    assert path.fingerprint.subject == f"mailcanary {result.canary_id}"
    assert path.fingerprint.to == rcpts
    assert len(path.fingerprint.body_sha256) == 64
    # And the send item stays out of the SES message-id index (an index key cannot be empty)
    assert "ses_message_id" not in aws.items(result.canary_id)["send#smtp:relay"]


def test_given_no_receiver_when_a_round_sends_to_a_plain_mta_then_the_path_is_decided_at_acceptance(
    aws: AwsWorld,
) -> None:
    with PlainRelay() as relay:
        # Given no receiving domain and a plain MTA target
        runtime = aws.runtime(smtp_targets=[relay.target()])
        # When a round runs
        result = canary_round(runtime, RoundOverrides(trigger="schedule", paths=frozenset({"smtp"})))
    # Then the path and the canary are decided when the MTA accepted the message, as before
    canary = aws.canary(result.canary_id)
    assert (canary.state, canary.paths[0].state, canary.paths[0].awaits_arrival) == (
        CanaryState.PASSED,
        CanaryState.PASSED,
        False,
    )
