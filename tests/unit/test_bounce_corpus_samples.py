"""Table-driven over real bounces from public corpora (tests/data/bounces/corpora, licences beside them).

Each row is the corpus's own expected result: the failed recipient (the address the sender used), the status
and the reason under sisimai's name. The samples cover the dialects read as free text (DragonFly, IMail, GMX,
Zoho, MXLogic, WorkMail's base64 notice with its delivery-status fields in the text), Exim, and DSNs whose
reason comes from finer sisimai reasons (has moved, suspended, PTR required, name service errors).
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pytest

from mailcanary.bounce import BounceKind, parse_bounce
from mailcanary.bounce.sisimai_names import sisimai_reason

CORPORA = Path(__file__).resolve().parents[1] / "data" / "bounces" / "corpora"


class Expected(NamedTuple):
    recipient: str
    status: str | None  # None: the corpus's status is sisimai's own pseudo-code, not in the message
    reason: str | None  # sisimai's name; None where the corpus labels no reason (flufl)


CASES: dict[str, Expected] = {
    "sisimai/lhost-dragonfly-24.eml": Expected("userunknown@libsisimai.net", "5.1.1", "userunknown"),
    "sisimai/lhost-dragonfly-30.eml": Expected("neko@nyaan.jp", None, "expired"),
    "sisimai/lhost-exim-32.eml": Expected("kijitora@example.net", None, "requireptr"),
    "sisimai/lhost-gmx-01.eml": Expected("shironeko@example.jp", "5.2.2", "mailboxfull"),
    "sisimai/lhost-imailserver-02.eml": Expected("kijitora@example.co.jp", None, "mailboxfull"),
    "sisimai/lhost-mxlogic-01.eml": Expected("kijitora@example.co.jp", "5.1.1", "userunknown"),
    "sisimai/lhost-postfix-16.eml": Expected("kijitora@example.go.jp", "5.1.6", "hasmoved"),
    "sisimai/lhost-postfix-17.eml": Expected("kijitora@example.org", "5.4.4", "networkerror"),
    "sisimai/lhost-sendmail-35.eml": Expected("kijitora@example.org", "5.7.13", "suspend"),
    "sisimai/lhost-zoho-01.eml": Expected("kijitora@example.co.jp", "5.1.1", "userunknown"),
    "sisimai/lhost-amazonworkmail-04.eml": Expected("chatoraneko@example.jp", "5.2.2", "mailboxfull"),
    "sisimai/lhost-googlegroups-01.eml": Expected("libsisimai@googlegroups.com", None, "rejected"),  # a list refusing
    "sisimai/lhost-fml-02.eml": Expected("neko-nyaan@example.org", None, "rejected"),  # not a member of the list
    "sisimai/lhost-kddi-01.eml": Expected("kijitora@x0000000000000.dion.ne.jp", None, "mailboxfull"),  # UTF-8 as JIS
    "sisimai/rfc3464-04.eml": Expected("kijitora@mailx-53.neko.example.edu", "5.5.0", None),  # boundary not found
    "sisimai/lhost-postfix-03.eml": Expected("kijitora@example.net", "5.0.0", "filtered"),  # unknown user after DATA
    "sisimai/rhost-godaddy-02.eml": Expected("kijitora@example.com", "5.1.3", "blocked"),  # a block list's URL
    "sisimai/lhost-mailru-05.eml": Expected("neko@libsisimai.org", None, "notaccept"),  # no SMTP service
    "flufl/aol_01.txt": Expected("screenname@aol.com", None, None),  # a bare local part
    "flufl/dsn_18.txt": Expected("email@replaced.net", None, None),  # Action: error
    "flufl/simple_13.txt": Expected("userx@example.fr", None, None),  # an empty delivery-status part
    "flufl/microsoft_01.txt": Expected("userx@example.com", None, None),  # Exchange's smtp= form
    "flufl/groupwise_01.txt": Expected("userx@example.edu", None, None),
    "flufl/simple_45.txt": Expected("subscriber@earthlink.net", None, None),
    "flufl/dsn_04.txt": Expected("userx@example.ch", None, None),  # the Original-Recipient, not the Final
}


def test_every_vendored_sample_has_a_row() -> None:
    vendored = {f"{p.parent.name}/{p.name}" for p in CORPORA.glob("*/*") if p.suffix in (".eml", ".txt")}
    assert vendored == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_given_real_bounce_when_parsed_then_corpus_recipient_status_and_reason(name: str) -> None:
    # Given a real bounce and the corpus's expected result
    expected = CASES[name]
    # When it is parsed
    report = parse_bounce((CORPORA / name).read_bytes())
    # Then exactly the expected recipient is reported, with the corpus's status and reason
    assert report.kind is BounceKind.BOUNCE
    found = {(r.original_recipient or r.address).lower(): r for r in report.recipients}
    assert set(found) == {expected.recipient}
    recipient = found[expected.recipient]
    if expected.status is not None:
        assert recipient.status == expected.status
    if expected.reason is not None:
        assert sisimai_reason(recipient.reason) == expected.reason
