"""Our DKIM verification with an in-process key lookup: every outcome typed, none raised."""

from __future__ import annotations

import pytest
from arrival_samples import DOMAIN, SELECTOR, canary, key_dns, key_pair, sign
from hypothesis import given
from hypothesis import strategies as st

from mailcanary.arrival.dkim import MAX_SIGNATURES, DnsTemporaryError, verify_dkim
from mailcanary.arrival.model import MAX_ARRIVED_BYTES, DkimStatus

SIGNED = sign(canary().raw)


def _timeout(name: bytes, timeout: float = 5) -> bytes | None:
    raise DnsTemporaryError("Timeout: the DNS operation timed out")


def test_given_an_intact_signed_copy_when_verified_then_pass_names_the_signature() -> None:
    result = verify_dkim(SIGNED, key_dns)
    assert (result.status, result.domain, result.selector) == (DkimStatus.PASS, DOMAIN, SELECTOR)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ((b"This message tests", b"This message pests"), "body hash mismatch"),
        ((b"Subject: mailcanary c1", b"Subject: mailcanary c2"), "signature does not verify"),
    ],
)
def test_given_a_copy_changed_after_signing_when_verified_then_fail_with_the_reason(
    change: tuple[bytes, bytes], reason: str
) -> None:
    result = verify_dkim(SIGNED.replace(*change), key_dns)
    assert result.status is DkimStatus.FAIL
    assert reason in result.reason


def test_given_re_folded_headers_when_verified_with_relaxed_canonicalisation_then_still_pass() -> None:
    refolded = SIGNED.replace(b"To: alice+c1@inbound.example,\r\n Bob", b"To: alice+c1@inbound.example,\r\n\t  Bob")
    assert refolded != SIGNED
    assert verify_dkim(refolded, key_dns).status is DkimStatus.PASS


def test_given_no_key_published_or_a_dns_timeout_when_verified_then_fail_and_temperror_are_told_apart() -> None:
    missing = verify_dkim(SIGNED, lambda name, timeout=5: None)
    assert (missing.status, missing.reason) == (DkimStatus.FAIL, f"no public key at {SELECTOR}._domainkey.{DOMAIN}.")
    temporary = verify_dkim(SIGNED, _timeout)
    assert temporary.status is DkimStatus.TEMPERROR
    assert "Timeout" in temporary.reason


def test_given_an_unsigned_copy_when_verified_then_none() -> None:
    assert verify_dkim(canary().raw, key_dns).status is DkimStatus.NONE


def test_given_a_key_of_another_signer_when_verified_then_fail() -> None:
    other = key_pair()[1].replace(b"p=MI", b"p=MJ")
    assert verify_dkim(SIGNED, lambda name, timeout=5: other).status is DkimStatus.FAIL


@pytest.mark.parametrize(
    "raw",
    [
        b"DKIM-Signature: garbage\r\n\r\nbody",
        b"DKIM-Signature: v=1; a=rsa-sha256; d=x; s=y; b=!!; bh=zz; h=from\r\nFrom: a@x\r\n\r\nbody",
        b"DKIM-Signature: v=1; a=rsa-sha256; d=x; s=y; b=; bh=; h=from; l=-5\r\nFrom: a@x\r\n\r\nbody",
        b"DKIM-Signature: v=1; a=rsa-sha256; d=\xff\xfe; s=y; b=YQ==; bh=YQ==; h=from\r\nFrom: a@x\r\n\r\nbody",
        b"\r\n\r\nDKIM-Signature: in the body only\r\n",
        b"DKIM-Signature: v=1\r\n" + b"X: y\r\n" * 10 + b"bad header line without colon\r\n\r\n",
    ],
)
def test_given_hostile_signatures_when_verified_then_a_typed_result_and_no_exception(raw: bytes) -> None:
    assert verify_dkim(raw, key_dns).status in (DkimStatus.FAIL, DkimStatus.NONE)


def test_given_an_oversized_copy_when_verified_then_fail_without_reading_it() -> None:
    result = verify_dkim(SIGNED + b"x" * MAX_ARRIVED_BYTES, key_dns)
    assert result.status is DkimStatus.FAIL
    assert "over the" in result.reason


def test_given_many_bad_signatures_before_a_good_one_when_verified_then_only_the_first_few_are_tried() -> None:
    # Given a valid signature below MAX_SIGNATURES forged ones (each naming a key that is not there)
    forged = b"DKIM-Signature: v=1; a=rsa-sha256; d=forged.example; s=x; h=from; bh=YQ==; b=YQ==\r\n"
    beyond = forged * MAX_SIGNATURES + SIGNED
    within = forged * (MAX_SIGNATURES - 1) + SIGNED
    # Then the one past the bound is never tried, the one within it is found
    assert verify_dkim(beyond, key_dns).status is DkimStatus.FAIL
    assert verify_dkim(within, key_dns).status is DkimStatus.PASS


@given(st.binary(max_size=400), st.binary(max_size=200))
def test_given_any_signature_value_and_body_when_verified_then_never_an_exception(value: bytes, body: bytes) -> None:
    raw = b"DKIM-Signature: v=1; a=rsa-sha256; d=canary.example; s=mc1; " + value + b"\r\nFrom: a@x\r\n\r\n" + body
    assert verify_dkim(raw, key_dns).status in (DkimStatus.FAIL, DkimStatus.NONE)
