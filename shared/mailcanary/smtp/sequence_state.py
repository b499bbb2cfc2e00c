"""The SMTP session state the sequence rules reason about, advanced one exchange at a time."""

from __future__ import annotations

from dataclasses import dataclass

from mailcanary.smtp.dialogue import Exchange
from mailcanary.smtp.transcript import REDACTED

__all__ = ["SessionState", "shown"]


@dataclass(slots=True)
class SessionState:
    """What is established: hello, advertised extensions, TLS, the open transaction, QUIT."""

    hello: bool = False
    extensions: frozenset[str] = frozenset()
    tls: bool = False
    fresh_tls: bool = False  # STARTTLS accepted and no EHLO since
    mail: bool = False
    rcpts: int = 0  # accepted RCPTs in the open transaction
    quit: bool = False

    def copy(self) -> SessionState:
        return SessionState(self.hello, self.extensions, self.tls, self.fresh_tls, self.mail, self.rcpts, self.quit)

    def end_transaction(self) -> None:
        self.mail, self.rcpts = False, 0

    def apply(self, ex: Exchange, *, known: bool) -> None:
        """Advance by one exchange: by its real outcome when `known` (no reply = refused), else as a success."""
        reply = ex.reply if known else None
        ok = reply.positive if reply is not None else not known
        if ex.verb in ("EHLO", "HELO"):
            self.end_transaction()  # RFC 5321 4.1.4: EHLO/HELO clears the transaction
            if ok:
                self.hello, self.fresh_tls = True, False
                if reply is not None:
                    self.extensions = reply.keywords() if ex.verb == "EHLO" else frozenset()
        elif ex.verb == "STARTTLS" and ok:
            # RFC 3207 4.2: after TLS starts, everything learnt before is discarded
            self.tls, self.fresh_tls, self.hello, self.extensions = True, True, False, frozenset()
            self.end_transaction()
        elif ex.verb == "MAIL" and ok:
            self.mail, self.rcpts = True, 0
        elif ex.verb == "RCPT" and ok:
            self.rcpts += 1
        elif ex.verb in ("DATA", "BDAT", "RSET"):
            if ex.verb == "RSET" or _closes_transaction(ex, ok=ok, known=known):
                self.end_transaction()
        elif ex.verb == "QUIT":
            self.quit = True


def _closes_transaction(ex: Exchange, *, ok: bool, known: bool) -> bool:
    """DATA closes it once a 354 came (whatever the final reply); BDAT with LAST once accepted."""
    if ex.verb == "DATA":
        return not known or any(r.code == 354 for r in ex.interim)
    return ok and "LAST" in ex.text.upper().split()[2:]


def shown(ex: Exchange) -> str:
    """The command as it may be shown: AUTH keeps only its mechanism (RFC 4954 initial responses hold secrets)."""
    if ex.verb == "AUTH":
        words = ex.text.split()
        return " ".join([*words[:2], REDACTED]) if len(words) > 2 else ex.text
    return ex.text
