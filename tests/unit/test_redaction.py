"""Secret masking: what leaves the process (logs, alert bodies) never carries a secret."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mailcanary.core.redaction import MASK, NO_SECRETS, SecretForms, redact, redact_text, register, register_secret


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


USER, PASSWORD = "AKIAEXAMPLEUSER12345", "Sm7p-Secret/Value+with=odd-chars9"
FORMS = SecretForms.of(USER, [PASSWORD])


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.mark.parametrize(
    ("name", "echoed"),
    [
        ("the password", PASSWORD),
        ("the password upper-cased", PASSWORD.upper()),
        ("the password lower-cased", PASSWORD.lower()),
        ("base64 of the password (AUTH LOGIN line)", _b64(PASSWORD)),
        ("base64 of the username (AUTH LOGIN line)", _b64(USER)),
        ("the AUTH PLAIN blob", _b64(f"\0{USER}\0{PASSWORD}")),
        ("the AUTH PLAIN blob with the username as authzid", _b64(f"{USER}\0{USER}\0{PASSWORD}")),
        ("the AUTH PLAIN blob with another authzid", _b64(f"admin\0{USER}\0{PASSWORD}")),
    ],
)
def test_given_a_reply_echoing_a_credential_form_when_scrubbed_then_the_whole_form_is_masked(
    name: str, echoed: str
) -> None:
    # Given a 535 reply quoting one form of the credentials
    reply = f"535 5.7.8 Authentication failed for {echoed}, go away"
    # When scrubbed with the session's forms
    scrubbed = FORMS.scrub(reply)
    # Then nothing of the form is left and the rest of the reply is kept
    assert scrubbed == f"535 5.7.8 Authentication failed for {MASK}, go away", name


@pytest.mark.parametrize("prefix", ["", "535-5.7.8 ", "<~ 535-5.7.8 "])
def test_given_the_blob_broken_over_two_reply_lines_when_scrubbed_then_both_halves_are_masked(prefix: str) -> None:
    # Given a multi-line reply that breaks the AUTH PLAIN blob in the middle of the password
    blob = _b64(f"\0{USER}\0{PASSWORD}")
    head, tail = blob[:40], blob[40:]
    second = prefix.replace("535-", "535 ") + f"{tail} rejected"
    lines = [f"{prefix}split {head}", second]
    # When the reply's lines are scrubbed together (and when rendered as one text)
    scrubbed = FORMS.scrub_lines(lines)
    rendered = FORMS.scrub("\n".join(lines))
    # Then neither half survives; the words around them do
    assert scrubbed == [f"{prefix}split {MASK}", second.replace(tail, MASK)]
    assert rendered == "\n".join(scrubbed)


def test_given_no_credentials_when_scrubbed_then_text_is_returned_unchanged() -> None:
    assert not NO_SECRETS
    lines = ["250-AUTH PLAIN LOGIN", "250 8BITMIME"]
    assert NO_SECRETS.scrub_lines(lines) == lines
    assert FORMS.scrub_lines(lines) == lines  # and ordinary replies stay as they are with credentials known


def test_given_registered_credentials_when_a_log_record_quotes_them_then_the_boundary_masks_every_form() -> None:
    # Given credentials registered for the process (as loading the SMTP secret does)
    register(SecretForms.of("AKIAREGISTEREDUSER01", ["Reg1stered-Passw0rd-value"]))
    blob = _b64("\0AKIAREGISTEREDUSER01\0Reg1stered-Passw0rd-value")
    # When a record quotes the blob and the upper-cased password under innocent keys
    result = redact({"error": f"AUTH refused: 535 {blob}", "nested": ["REG1STERED-PASSW0RD-VALUE"]})
    # Then both are masked
    assert result == {"error": f"AUTH refused: 535 {MASK}", "nested": [MASK]}


@given(
    authzid=st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), max_size=12),
    password=st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=8, max_size=48),
    cut=st.integers(min_value=1, max_value=200),
)
def test_given_any_password_in_any_plain_blob_split_anywhere_when_scrubbed_then_no_password_bits_survive(
    authzid: str, password: str, cut: int
) -> None:
    # Given any authzid and password, the AUTH PLAIN blob broken over two reply lines at any point
    forms = SecretForms.of(USER, [password])
    blob = _b64(f"{authzid}\0{USER}\0{password}")
    cut = min(cut, len(blob) - 1)
    lines = [f"535-5.7.8 {blob[:cut]}", f"535 5.7.8 {blob[cut:]}"]
    # When scrubbed
    scrubbed = "\n".join(forms.scrub_lines(lines))
    # Then no run of base64 characters made only of the password's bits is left, even with the break undone
    rejoined = scrubbed.replace("\n535 5.7.8 ", "")
    raw = password.encode()
    for offset in range(3):  # the password's own characters at each of the three byte alignments
        encoded = base64.b64encode(bytes(offset) + raw).decode()
        core = encoded[-(-4 * offset // 3) : 4 * (offset + len(raw)) // 3]
        assert core not in rejoined


def test_given_a_password_that_looks_like_a_reply_code_when_it_opens_a_line_then_it_is_still_masked() -> None:
    # Given a password that starts like a reply line ("123-...") at the start of the second line of a text
    forms = SecretForms.of(None, ["123-abc-XYZ-secret"])
    # When the text is scrubbed
    scrubbed = forms.scrub("connect failed\n123-abc-XYZ-secret")
    # Then it is masked all the same
    assert scrubbed == f"connect failed\n{MASK}"
