"""Non-standard bounce dialects, one module each, behind one interface (`Dialect`).

`DIALECTS` is the order they are tried in: provider-specific formats first, then MTA texts, and Exim last
because its `X-Failed-Recipients` header is copied by others (Gmail, for one); then list managers refusing a
post and notices naming bare local parts. `FREETEXT` reads what none of them claims.
"""

from __future__ import annotations

from mailcanary.bounce.dialects.barename import BARENAME
from mailcanary.bounce.dialects.base import Dialect
from mailcanary.bounce.dialects.courier import COURIER
from mailcanary.bounce.dialects.domino import DOMINO
from mailcanary.bounce.dialects.exchange import EXCHANGE
from mailcanary.bounce.dialects.exim import EXIM
from mailcanary.bounce.dialects.freetext import FREETEXT
from mailcanary.bounce.dialects.gmail import GMAIL
from mailcanary.bounce.dialects.googlegroups import GOOGLEGROUPS
from mailcanary.bounce.dialects.mailinglist import MAILINGLIST
from mailcanary.bounce.dialects.opensmtpd import OPENSMTPD
from mailcanary.bounce.dialects.postfix import POSTFIX
from mailcanary.bounce.dialects.qmail import QMAIL
from mailcanary.bounce.dialects.sendmail import SENDMAIL
from mailcanary.bounce.dialects.yahoo import YAHOO

__all__ = ["DIALECTS", "FREETEXT", "Dialect"]

DIALECTS: tuple[Dialect, ...] = (
    GOOGLEGROUPS,
    GMAIL,
    YAHOO,
    EXCHANGE,
    DOMINO,
    OPENSMTPD,
    COURIER,
    QMAIL,
    SENDMAIL,
    POSTFIX,
    EXIM,
    MAILINGLIST,
    BARENAME,
)
