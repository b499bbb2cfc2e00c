"""TLS material made at start for the lab: a throwaway CA, a server certificate, and the CA as a PEM file.

Clients verify the lab like any server — against a CA they were told to trust — so the demo and tests
exercise real certificate and hostname checks instead of switching verification off.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

__all__ = ["LAB_HOSTNAMES", "WRONG_HOSTNAME", "LabCertificates", "make_certificates"]

LAB_HOSTNAMES = ("localhost", "127.0.0.1")
WRONG_HOSTNAME = "wrong-host.mailcanary.invalid"


@dataclass(frozen=True)
class LabCertificates:
    """The lab CA (PEM bytes and a file path for `ssl.create_default_context(cafile=...)`) and the server
    side TLS context presenting a certificate issued by it."""

    ca_pem: bytes
    ca_file: Path
    server_context: ssl.SSLContext


def make_certificates(
    directory: Path, *, hostnames: tuple[str, ...] = LAB_HOSTNAMES, not_after: datetime | None = None
) -> LabCertificates:
    """Make a CA and a server certificate for `hostnames` (valid until `not_after`, else trustme's default of
    about ten years); write the CA PEM into `directory`."""
    import trustme  # the lab extra; imported here so importing mailcanary.lab stays cheap

    authority = trustme.CA(organization_name="mailcanary lab")
    server_cert = authority.issue_cert(*hostnames, not_after=not_after)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_cert.configure_cert(context)
    ca_file = directory / "mailcanary-lab-ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    return LabCertificates(ca_pem=authority.cert_pem.bytes(), ca_file=ca_file, server_context=context)
