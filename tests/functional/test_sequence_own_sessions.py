"""The canary's own recorded sessions validate clean, with and without the conformance probe.

The transcript `send_canary` records (upper-case verbs, DATA content one line per line and dot-stuffed,
reply lines of one reply sharing a timestamp, the probe fenced by RSET) is what `sequence.validate`
reads. The probe sends commands out of order on purpose; its lines are marked `probe` and left out of
the verdict on the canary's own session — yet still judged, as violations, when asked to include them.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from mailcanary.lab.faults import SmtpFault
from mailcanary.lab.smtp_endpoint import LabSmtpEndpoint, LabTls
from mailcanary.smtp import Direction, Rule, SmtpResult, SmtpTarget, TlsMode, Transcript, send_canary, validate
from mailcanary.smtp.probe_message import build_probe_message

pytestmark = pytest.mark.filterwarnings("ignore:Session.login_data is deprecated:DeprecationWarning")

SENDER = "canary@example.com"
RECIPIENT = "success@simulator.amazonses.com"
PROBE_VIOLATIONS = [Rule.RCPT_BEFORE_DATA, Rule.MAIL_BEFORE_RCPT, Rule.RCPT_BEFORE_DATA]


def _send(target: SmtpTarget, *, conformance: bool, sender: str = SENDER, to: str = RECIPIENT) -> SmtpResult:
    message = build_probe_message(sender, [to])
    return send_canary(target, sender, [to], message.content, conformance=conformance)


def _client_texts(transcript: Transcript, *, probe: bool) -> list[str]:
    return [line.text for line in transcript if line.direction is Direction.CLIENT and line.probe is probe]


@pytest.mark.parametrize("tls", [LabTls.STARTTLS, LabTls.IMPLICIT, LabTls.NONE])
@pytest.mark.parametrize("conformance", [False, True], ids=["plain", "conformance"])
def test_given_lab_endpoint_when_canary_recorded_then_its_transcript_validates_clean(
    tls: LabTls, conformance: bool
) -> None:
    # Given the lab endpoint (AUTH after TLS where it has TLS); When a healthy canary is sent and recorded
    with LabSmtpEndpoint(tls=tls, require_auth=tls is not LabTls.NONE) as endpoint:
        result = _send(endpoint.target(), conformance=conformance)
    assert result.ok, result.error
    # Then the recorded transcript is a valid RFC 5321 session: no violation, no refusal, no acceptance
    report = validate(result.transcript)
    assert report.valid, report.to_dict()
    assert report.commands >= 5  # EHLO, MAIL, RCPT, DATA, QUIT at least were judged
    # And the shapes the validator relies on are there: upper-case verbs, the content's lone dot
    verbs = [text.split()[0] for text in _client_texts(result.transcript, probe=False) if text.split()]
    assert {"EHLO", "MAIL", "RCPT", "DATA", "QUIT"} <= set(verbs)
    assert "." in _client_texts(result.transcript, probe=False)
    assert report.probe_commands == (7 if conformance else 0)


def test_given_conformance_probe_when_validated_then_only_the_fenced_lines_are_left_out() -> None:
    # Given a canary with the conformance probe against the well-behaved lab endpoint
    with LabSmtpEndpoint(tls=LabTls.NONE, require_auth=False) as endpoint:
        result = _send(endpoint.target(), conformance=True)
    probe_lines = [index for index, line in enumerate(result.transcript) if line.probe]
    # Then the marked lines are one contiguous block, from the opening RSET to the closing RSET's reply
    assert probe_lines == list(range(probe_lines[0], probe_lines[-1] + 1))
    assert result.transcript.lines[probe_lines[0]].text == "RSET"
    assert result.transcript.lines[probe_lines[-1] - 1].text == "RSET"
    assert result.transcript.lines[probe_lines[-1]].direction is Direction.SERVER
    # And judged with the probe included, its deliberate commands are the violations they are meant to be
    everything = validate(result.transcript, include_probe=True)
    assert [violation.rule for violation in everything.violations] == PROBE_VIOLATIONS
    assert all(result.transcript.lines[v.index].probe for v in everything.violations)
    assert len(everything.server_refusals) == 3
    # while the canary's own session, judged without them, is clean
    assert validate(result.transcript).valid


def test_given_server_accepting_out_of_order_data_when_probed_then_the_dot_stays_inside_the_fence() -> None:
    # Given a broken endpoint that answers 354 to DATA without recipients
    with LabSmtpEndpoint(tls=LabTls.NONE, require_auth=False, faults={SmtpFault.ACCEPT_DATA_WITHOUT_RCPT}) as endpoint:
        result = _send(endpoint.target(), conformance=True)
    # When the probe ends the accepted empty message with "." and the canary carries on
    assert result.ok, result.error
    assert result.conformance is not None
    assert result.conformance.violations
    assert "." in _client_texts(result.transcript, probe=True)
    # Then the server's acceptance is the probe's finding, not a flaw of the canary's own session
    assert validate(result.transcript).valid, validate(result.transcript).to_dict()
    # and with the probe included the validator sees the server let DATA through out of order
    assert validate(result.transcript, include_probe=True).server_acceptances


def test_given_probe_transcript_when_saved_as_json_and_loaded_then_the_marks_survive(tmp_path: Any) -> None:
    # Given a conformance-probed canary saved as `smtp-probe --json` would
    from mailcanary.smtp import load_transcript

    with LabSmtpEndpoint(tls=LabTls.NONE, require_auth=False) as endpoint:
        result = _send(endpoint.target(), conformance=True)
    saved = tmp_path / "probe.json"
    saved.write_text(json.dumps(result.to_dict()), encoding="utf-8")
    # When loaded back; Then the probe's lines are still marked and the session still validates clean
    loaded = load_transcript(saved).transcript
    assert [line.probe for line in loaded] == [line.probe for line in result.transcript]
    assert validate(loaded).valid


@pytest.mark.postfix
@pytest.mark.parametrize("conformance", [False, True], ids=["plain", "conformance"])
def test_given_postfix_when_canary_recorded_then_its_transcript_validates_clean(
    postfix_lab: Any, conformance: bool
) -> None:
    # Given the real Postfix on loopback; When a canary to a local user is sent and recorded
    target = SmtpTarget(postfix_lab.host, postfix_lab.port, tls=TlsMode.NONE)
    result = _send(target, conformance=conformance, sender="canary@localhost", to="root@localhost")
    assert result.ok, result.error
    # Then the canary's own session validates clean (Postfix's 503/554 5.5.1 refusals stay the probe's)
    report = validate(result.transcript)
    assert report.valid, report.to_dict()
    if conformance:
        everything = validate(result.transcript, include_probe=True)
        assert [violation.rule for violation in everything.violations] == PROBE_VIOLATIONS
        assert [refusal.code for refusal in everything.server_refusals] == [503, 503, 554]
