"""Secret masking: what leaves the process (logs, alert bodies) never carries a secret."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailcanary.redaction import MASK, SecretForms, redact, redact_text, register_secret


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("AUTH PLAIN AHVzZXIAcGFzc3dvcmQ=", f"AUTH PLAIN {MASK}"),
        ("auth login dXNlcm5hbWU=", f"auth login {MASK}"),
        ("-> AUTH LOGIN c2VjcmV0", f"-> AUTH LOGIN {MASK}"),
        ("250-AUTH PLAIN LOGIN", f"250-AUTH PLAIN {MASK}"),  # over-masking a capability line is harmless
        ("key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY here", f"key {MASK} here"),
        ("sha 3f786850e387550fdab836ed7e6dc881de23001b stays", "sha 3f786850e387550fdab836ed7e6dc881de23001b stays"),
        ("MAIL FROM:<canary@example.com>", "MAIL FROM:<canary@example.com>"),
    ],
)
def test_given_text_with_smtp_auth_or_aws_keys_when_redacted_then_only_the_secret_is_masked(
    line: str, expected: str
) -> None:
    assert redact_text(line) == expected


def test_given_secret_looking_keys_when_a_document_is_redacted_then_their_values_are_masked_and_others_kept() -> None:
    # Given a nested document with secrets under secret-looking keys and a verdict's "passed" flag
    document = {
        "smtp_password": "hunter2hunter2",
        "nested": [{"Authorization": "Bearer abc"}, {"SecretString": "x1y2z3"}],
        "smtp_secret_arn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:smtp",
        "passed": False,
        "count": 3,
    }
    # When it is redacted
    result = redact(document)
    # Then secrets are masked, the ARN (a location, not a secret) and plain values stay
    assert result["smtp_password"] == MASK
    assert result["nested"] == [{"Authorization": MASK}, {"SecretString": MASK}]
    assert result["smtp_secret_arn"] == document["smtp_secret_arn"]
    assert result["passed"] is False
    assert result["count"] == 3


def test_given_a_registered_secret_when_it_appears_anywhere_then_it_is_masked() -> None:
    # Given the SMTP password registered once it was read
    register_secret("Zq9-registered-secret")
    # When it shows up inside free text under an innocent key
    result = redact({"message": "connect failed for user:Zq9-registered-secret@relay"})
    # Then it is masked
    assert "Zq9-registered-secret" not in str(result)
    assert MASK in result["message"]


@given(st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=8, max_size=40))
def test_given_any_explicit_secret_when_redacted_then_it_never_survives(secret: str) -> None:
    # Given any printable secret passed explicitly, embedded in text
    text = f"prefix {secret} suffix"
    # When redacted with that secret
    # Then it no longer appears
    assert secret not in redact_text(text, SecretForms.of(None, [secret]))
