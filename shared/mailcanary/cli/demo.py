"""`mailcanary demo`: one SMTP canary through the embedded SES-like endpoint, start to finish, on 127.0.0.1.

It starts the lab endpoint (STARTTLS with a certificate made at start, AUTH required after TLS), sends a
canary that verifies the endpoint's certificate against the lab CA, prints the transcript and verdict,
and stops everything. Exit 0 when the canary passed and the endpoint delivered to exactly the accepted
recipients. (The full local lab, with the SES API path, replaces this later.)
"""

from __future__ import annotations

import argparse
from typing import Any

from mailcanary.cli.smtp_output import render_result

__all__ = ["register"]

SENDER = "canary@mailcanary.example"
TO = ("success@simulator.amazonses.com",)
CC = ("success+cc@simulator.amazonses.com",)
BCC = ("success+bcc@simulator.amazonses.com",)


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("demo", help="run an SMTP canary against the embedded local endpoint")
    parser.add_argument("--conformance", action="store_true", help="also run the out-of-order probe")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from mailcanary.lab.smtp_endpoint import LabSmtpEndpoint  # the lab extra, needed only here
    from mailcanary.smtp.probe_message import build_probe_message
    from mailcanary.smtp.session import send_canary

    message = build_probe_message(SENDER, TO, CC, BCC, subject="mailcanary demo canary")
    with LabSmtpEndpoint() as endpoint:
        print(f"lab SMTP endpoint on {endpoint.host}:{endpoint.port} (STARTTLS, AUTH; CA {endpoint.ca_file})")
        result = send_canary(
            endpoint.target(), SENDER, message.envelope_recipients, message.content, conformance=args.conformance
        )
        delivered = endpoint.delivered
    print(render_result(result))
    delivered_to = sorted(rcpt for each in delivered for rcpt in each.rcpt_tos)
    agrees = delivered_to == sorted(result.accepted_recipients)
    print(
        f"=== endpoint delivered to: {', '.join(delivered_to) or 'nobody'}"
        f" ({'matches' if agrees else 'DOES NOT match'} the accepted RCPTs)"
    )
    passed = result.ok and result.tls and result.authenticated and agrees
    print(f"demo: {'PASS' if passed else 'FAIL'}")
    return 0 if passed else 1
