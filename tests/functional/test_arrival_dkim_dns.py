"""Our DKIM verification through real DNS: a key made at test start, published by dnsmasq on 127.0.0.1.

scripts/dns-lab.sh installs and starts dnsmasq on a free high port with the TXT records this module writes;
dnspython's resolver is pointed at it. Skipped, with the reason, where dnsmasq cannot be installed or started.
"""

from __future__ import annotations

import base64
import shutil
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from mailcanary.arrival.checks import judge_arrival
from mailcanary.arrival.dkim import resolver_dnsfunc, verify_dkim, with_own_dkim
from mailcanary.arrival.expected import expected_arrival
from mailcanary.arrival.model import ArrivedMessage, AuthVerdict, DkimStatus, ReceiverKind
from mailcanary.core.checks import Check
from mailcanary.message import build_canary

ROOT = Path(__file__).resolve().parents[2]
DNS_LAB = ROOT / "scripts" / "dns-lab.sh"
DOMAIN = "canary.example"
SELECTOR = "lab2048"
SENT_AT = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)

pytestmark = pytest.mark.process  # starts a shell (and a DNS server)


@dataclass(frozen=True)
class DnsLab:
    port: int
    private_key: bytes


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _txt_record(public_der: bytes) -> str:
    """A dnsmasq txt-record line: the DKIM key split into strings of at most 255 octets (a 2048-bit key needs two)."""
    value = "v=DKIM1; k=rsa; p=" + base64.b64encode(public_der).decode()
    strings = [value[at : at + 200] for at in range(0, len(value), 200)]
    return f"txt-record={SELECTOR}._domainkey.{DOMAIN}," + ",".join(f'"{each}"' for each in strings)


@pytest.fixture(scope="module")
def dns_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DnsLab]:
    """dnsmasq on 127.0.0.1 publishing a 2048-bit key made now; stopped afterwards."""
    if shutil.which("dnsmasq") is None:
        installed = subprocess.run(["bash", str(DNS_LAB), "install"], capture_output=True, text=True, check=False)
        if installed.returncode != 0:
            pytest.skip(f"dnsmasq could not be installed here: {installed.stderr.strip()[-200:]}")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )
    public = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    conf = tmp_path_factory.mktemp("dns") / "records.conf"
    conf.write_text(f"local=/{DOMAIN}/\n{_txt_record(public)}\n")
    conf.chmod(0o644)
    port = _free_udp_port()
    started = subprocess.run(
        ["bash", str(DNS_LAB), "start", str(port), str(conf)], capture_output=True, text=True, check=False, timeout=60
    )
    if started.returncode != 0:
        pytest.skip(f"dnsmasq could not be started here: {started.stderr.strip()[-200:]}")
    try:
        yield DnsLab(port, private)
    finally:
        subprocess.run(["bash", str(DNS_LAB), "stop", str(port)], capture_output=True, check=False, timeout=30)


def _signed(lab: DnsLab) -> tuple[bytes, bytes]:
    """(sent bytes, the same signed by the lab key as a relay or SES would sign them)."""
    sent = build_canary("c9", f"canary@{DOMAIN}", ["alice@inbound.example"], ["bob@inbound.example"], date=SENT_AT)
    signature = dkim.sign(
        sent.raw,
        SELECTOR.encode(),
        DOMAIN.encode(),
        lab.private_key,
        include_headers=[b"from", b"to", b"cc", b"subject", b"message-id", b"date"],
        canonicalize=(b"relaxed", b"relaxed"),
    )
    return sent.raw, signature + sent.raw


def test_given_a_key_published_in_dns_when_a_signed_copy_is_verified_then_it_passes(dns_lab: DnsLab) -> None:
    # Given the lab's resolver; When the signed canary is verified through real DNS queries
    _, signed = _signed(dns_lab)
    result = verify_dkim(signed, resolver_dnsfunc(["127.0.0.1"], port=dns_lab.port, timeout=2))
    # Then the 2048-bit key (two TXT strings) was found and the signature verifies
    assert (result.status, result.domain, result.selector) == (DkimStatus.PASS, DOMAIN, SELECTOR)


def test_given_a_body_changed_in_transit_when_verified_through_dns_then_fail_with_the_body_hash(
    dns_lab: DnsLab,
) -> None:
    _, signed = _signed(dns_lab)
    result = verify_dkim(
        signed.replace(b"No action", b"Urgent action"), resolver_dnsfunc(["127.0.0.1"], port=dns_lab.port)
    )
    assert result.status is DkimStatus.FAIL
    assert "body hash mismatch" in result.reason


def test_given_a_selector_not_in_dns_when_verified_then_fail_as_no_key(dns_lab: DnsLab) -> None:
    _, signed = _signed(dns_lab)
    result = verify_dkim(signed.replace(b"s=lab2048", b"s=gone"), resolver_dnsfunc(["127.0.0.1"], port=dns_lab.port))
    assert result.status is DkimStatus.FAIL
    assert result.reason == f"no public key at gone._domainkey.{DOMAIN}."


def test_given_no_dns_server_answering_when_verified_then_temperror(dns_lab: DnsLab) -> None:
    # Given a resolver pointed at a loopback port where nothing listens (bounded by a one-second lifetime)
    _, signed = _signed(dns_lab)
    result = verify_dkim(signed, resolver_dnsfunc(["127.0.0.1"], port=_free_udp_port(), timeout=1))
    assert result.status is DkimStatus.TEMPERROR


def test_given_an_arrived_copy_when_judged_with_our_dns_verification_then_authentication_passes(
    dns_lab: DnsLab,
) -> None:
    # Given the copy as a receiver hands it over, verified through the lab's DNS
    sent, signed = _signed(dns_lab)
    expected = expected_arrival(
        sent, path_name="api", target="ses", sent_at=SENT_AT, envelope=["alice@inbound.example", "bob@inbound.example"]
    )
    arrived = ArrivedMessage(
        raw=signed,
        receiver=ReceiverKind.SES_INBOUND,
        received_at=SENT_AT + timedelta(seconds=4),
        envelope_recipients=("alice@inbound.example", "bob@inbound.example"),
        receiver_verdicts={"spf": AuthVerdict.PASS, "dkim": AuthVerdict.PASS, "dmarc": AuthVerdict.PASS},
        location="s3://arrivals/c9",
    )
    verified = with_own_dkim(arrived, resolver_dnsfunc(["127.0.0.1"], port=dns_lab.port))
    verdicts = judge_arrival(expected, [verified], now=SENT_AT + timedelta(hours=1))
    # Then every check passes, our own DKIM verification included
    assert verified.dkim is not None
    assert verified.dkim.status is DkimStatus.PASS
    assert {v.check: v.passed for v in verdicts} == {
        Check.DELIVERY_ARRIVED: True,
        Check.DELIVERY_ENVELOPE: True,
        Check.DELIVERY_HEADERS: True,
        Check.DELIVERY_AUTHENTICATION: True,
    }
