"""Free-text notices no specific dialect claims: the addresses the notice itself names, and their lines.

Many MTAs and providers (DragonFly, pre-DSN sendmail and Postfix, IMail, X-series appliances, GMX/1&1 and
Zoho in Exim's wording, vendor gateways) write one paragraph per failed recipient without a fixed layout.
What they share: the recipient appears in the notice *before* the returned original, in a line that also
carries the reason or the remote reply (or is followed by it). So: cut the text where the original begins,
take every address in what is left that is not the bounce's own sender or receiver nor a role address, and
give each the lines around its first mention as the diagnostic. When the notice names nobody (old sendmail
transcripts), the returned original's single `To` is the recipient.
"""

from __future__ import annotations

import re

from mailcanary.bounce.addresses import MAX_ADDRESS_FIELD_CHARS, addresses_in, clean_address, strip_comments
from mailcanary.bounce.dsn import read_status_text
from mailcanary.bounce.message_view import MessageView, header
from mailcanary.bounce.model import Finding

__all__ = ["FREETEXT", "FreeText", "notice_about"]

_ADDRESS = re.compile(r"[\w.!#$%&'*+=?^`{}~-]{1,128}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,16}")
_ORIGINAL_STARTS = (
    "original message follows",
    "unsent message follows",
    "message headers follow",
    "header of the original message",
    "headers of the original message",
    "original message headers",
    "original message header",
    "returned message follows",
    "returned mail follows",
    "copy of the message",
    "copy of the original message",
    "original message -",
    "original message--",
    "--- original message",
    "returned message -",
    "content of the original message",
    "message text follows",
    "your message reads",
    "the text you sent follows",
    "undelivered message follows",
    "returned content",
)
_HEADER_BLOCK = re.compile(r"^(received|return-path|message-id|dkim-signature|mime-version|x-originating-ip):", re.I)
_ROLE = re.compile(r"^(mailer-daemon|postmaster|mail-daemon|maildaemon|abuse|noreply|no-reply|root|help)@", re.I)
_DELAYED = ("will continue to try", "will keep trying", "will be retried", "not yet been delivered", "delayed")
_NOT_RECIPIENT_CONTEXT = re.compile(
    r"(message-id|\bid\b|(?<!generated )from|sender|envelope-from|return-path|reply-to|delivered-to|contact|"
    r"expanded from|alias|x-[\w-]+:)\W{0,3}$",
    re.I,
)
# A failure's evidence next to an address: an SMTP reply code or a phrase of refusal.
_EVIDENCE = re.compile(
    r"(?<![\d.])[245]\d\d(?![\d.])|[245]\.\d{1,3}\.\d{1,3}|unknown|not found|invalid|reject|fail|full|quota|"
    r"not exist|no such|not recogni|disabled|suspend|denied|refused|unavailable|undeliver|could not|couldn't|"
    r"unable|error|not deliver|expired|timed out|blocked|not listed|deferred|bad (?:address|destination)|"
    r"doesn't|does not|did not|isn't|is not|too large|size|over|exceed|not (?:a )?valid|closed|inactive|"
    r"permanent|temporar|retry|giving up|gave up|host|domain|mailbox|account",
)  # matched against lower-cased text
_MAX_CONTEXT_LINES = 6
_LIST_HEADERS = ("List-Id", "List-Post", "List-Unsubscribe", "X-Mailman-Version", "X-BeenThere")


class FreeText:
    name = "freetext"

    def detect(self, msg: MessageView) -> bool:
        return True  # consulted last, for messages already judged bounces (see parse.py)

    def parse(self, msg: MessageView) -> tuple[Finding, ...]:
        pasted = read_status_text(msg.text) if "final-recipient:" in msg.lower_text else ()  # (its own test, cached)
        if pasted:
            return pasted
        notice = _notice(msg.text, msg.lower_text)
        excluded = _own_addresses(msg)
        lines = notice.splitlines()
        action = "delayed" if _is_delay(msg) else "failed"
        found: dict[str, Finding] = {}
        strong: set[str] = set()
        for index, line in enumerate(lines):
            if "@" not in line:
                continue  # (most lines name nobody: no need to run the address pattern over them)
            for match in _ADDRESS.finditer(line):
                address = clean_address(match.group(0))
                key = address.lower() if address else ""
                if address is None or key in excluded or key in strong or _ROLE.match(address):
                    continue
                before = line[max(0, match.start() - 40) : match.start()]  # the words just before it decide
                if _NOT_RECIPIENT_CONTEXT.search(before) or _in_url(line, match.start()):
                    continue
                context = _context(lines, index)
                evident = _EVIDENCE.search(_without_addresses(context or "").lower()) and not _HEADER_LINE.match(line)
                if key not in found or evident:  # a later mention with evidence beats a first one without
                    found[key] = Finding(address, action, diagnostic_code=context)
                if evident:
                    strong.add(key)
        if found:
            return tuple(finding for key, finding in found.items() if not strong or key in strong)
        return _original_recipient(msg, excluded, action)


_HEADER_LINE = re.compile(r"^\W{0,3}(to|cc|subject|date|sent|received on)\s*:", re.I)


def _without_addresses(text: str) -> str:
    """Evidence must come from the words around an address, not from the address (`user@host.com`)."""
    return _ADDRESS.sub(" ", text)


def _notice(text: str, lowered: str | None = None) -> str:
    """The notice up to where the returned original starts (marker line, or a header block after a blank);
    `lowered` is `text.lower()` when the caller already has it."""
    lowered = text.lower() if lowered is None else lowered
    cut = len(text)
    for marker in _ORIGINAL_STARTS:
        at = lowered.find(marker)
        if at != -1:
            cut = min(cut, lowered.rfind("\n", 0, at) + 1)
    lines = text[:cut].splitlines(keepends=True)
    offset = 0
    previous_blank = True
    for line in lines:
        if previous_blank and _HEADER_BLOCK.match(line):
            return text[:offset]
        previous_blank = not line.strip()
        offset += len(line)
    return text[:cut]


def _own_addresses(msg: MessageView) -> set[str]:
    """The bounce's own From/To and the original's sender: never the failed recipient."""
    values = [msg.header(name) for name in ("From", "To", "Reply-To", "Return-Path", "Sender", "Errors-To")]
    original = msg.original_headers
    if original is not None:
        values += [header(original, name) for name in ("From", "Sender", "Return-Path", "Reply-To", "Errors-To")]
    text = strip_comments(" ".join(values)[:MAX_ADDRESS_FIELD_CHARS]).lower()
    return set(_ADDRESS.findall(text))  # a superset of the parsed addresses is fine for excluding


def _in_url(line: str, start: int) -> bool:
    before = line[max(0, start - 200) : start]
    return "://" in before.rsplit(" ", 1)[-1] or before.endswith(("mailto:", "=", "/"))


def _context(lines: list[str], index: int) -> str | None:
    """The address's line and the non-blank lines after it, up to the next blank line (bounded)."""
    picked = [lines[index].strip()]
    for line in lines[index + 1 : index + 1 + _MAX_CONTEXT_LINES]:
        if not line.strip():
            break
        picked.append(line.strip())
    if len(picked) == 1 and index + 2 < len(lines) and not lines[index + 1].strip():
        picked += [line.strip() for line in lines[index + 2 : index + 2 + _MAX_CONTEXT_LINES] if line.strip()][:3]
    text = " ".join(" ".join(picked).split())
    return text or None


def notice_about(text: str, address: str) -> str | None:
    """What the notice says next to `address` (its first mention before the original), else the notice's
    first paragraph of explanation: the diagnostic of a recipient whose report gave none."""
    notice = _notice(text)
    lines = notice.splitlines()
    wanted = address.lower()
    for index, line in enumerate(lines):
        if wanted in line.lower():
            return _context(lines, index)
    summary = " ".join(notice.split())
    return summary[:1000] or None


def _is_delay(msg: MessageView) -> bool:
    subject = msg.subject.lower()
    return "delay" in subject or "warning" in subject or msg.mentions(*_DELAYED[:3])


def _original_recipient(msg: MessageView, excluded: set[str], action: str) -> tuple[Finding, ...]:
    """A notice naming nobody: the returned original's one `To` (several would be a guess), or X-Original-To."""
    original = msg.original_headers
    candidates: tuple[str, ...] = ()
    if original is not None:
        if any(header(original, name) for name in _LIST_HEADERS):
            return ()  # list mail: its To is the list, the failed subscriber is only in the envelope
        candidates = addresses_in([header(original, "To")])
    if len(candidates) != 1:
        candidates = addresses_in([msg.header("X-Original-To")])
    if len(candidates) != 1 or candidates[0].lower() in excluded or _ROLE.match(candidates[0]):
        return ()
    diagnostic = " ".join(_notice(msg.text, msg.lower_text).split())[:2000] or None
    return (Finding(candidates[0], action, diagnostic_code=diagnostic),)


FREETEXT = FreeText()
