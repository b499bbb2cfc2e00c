"""The phrase tables `classify` reads: lower-case phrases, the first rule with one in the text wins.

`SPECIFIC` is read before the status code: these phrases name a reason more precisely than any code the
remote server chose (a `5.2.1 User unknown` is an unknown user; `4.7.1 IP name lookup failed` is a missing
PTR record). `GENERIC` is read after the code, for broad codes and text without one. The wording is what
MTAs and providers write (Postfix, Exim, sendmail, qmail, Exchange, Gmail, Yahoo, Outlook, carriers), the
same patterns sisimai's reason modules match.
"""

from __future__ import annotations

from mailcanary.bounce.taxonomy import Reason as R

__all__ = ["DIRECTORY", "GENERIC", "SPECIFIC"]

Rules = tuple[tuple[tuple[str, ...], R], ...]

SPECIFIC: Rules = (
    (("suppressed", "suppression list"), R.SUPPRESSED),
    (("virus", "malware", "infected"), R.VIRUS),
    (("ptr record", "reverse dns", "rdns", "reverse lookup", "ip name lookup failed", "dns ptr", "no ptr",
      "unverifyable sending ip", "unverifiable sending ip", "mismatches client ip", "cannot find your hostname",
      "reverse hostname"), R.REQUIRE_PTR),
    (("no longer on server", "not our customer", "not our user", "has moved", "address has changed",
      "mailbox has moved"), R.HAS_MOVED),
    (("mailbox is frozen", "temporary locked", "temporarily locked", "disabled recipient", "account disabled",
      "account has been disabled", "mailbox disabled", "is disabled", "account suspended", "has been suspended",
      "is suspended", "mailbox suspended", "user suspended", "deactivated", "inactive user",
      "account is inactive", "mailbox is inactive", "account closed", "account has been closed",
      "account expired", "account has expired", "mailbox closed", "account is locked",
      "account is blocked"), R.MAILBOX_DISABLED),
    (("mailbox full", "mailbox is full", "over quota", "overquota", "quota exceeded", "exceeded quota",
      "exceeds quota", "exceeded the quota", "exceeded their quota", "exceeded storage", "exceeds storage",
      "mailbox size limit", "exceeds allowed size", "mailbox exceeds", "user's mailbox is full", "quota full",
      "disk quota", "storage quota", "mailfolder is full", "quota exceeded message"), R.MAILBOX_FULL),
    (("procmail", "x-unix;", "mailer error", "command died", "pipe to", "program exited", "unable to execute",
      "command failed"), R.MAILER_ERROR),
    (("reputation", "user complaints"), R.BAD_REPUTATION),
    (("frequency limited", "too many connections", "too many concurrent"), R.TOO_MANY_CONN),
    (("rate limit", "rate-limit", "too many messages", "throttl", "slow down", "sending limits", "unusual rate",
      "unexpected volume", "too many recipients this", "receiving mail at a rate"), R.RATE_LIMITED),
    (("not rfc 5322 compliant", "not rfc 2822 compliant", "multiple addresses in from", "multiple subject",
      "rfc 5322", "bare lf", "bare line feed"), R.NOT_COMPLIANT_RFC),
    (("invalid header", "duplicate header", "headers too large"), R.CONTENT_ERROR),
    (("rejected due to spam", "spam classification", "classified as spam"), R.SPAM),
    (("all recipient addresses rejected",), R.REJECTED),
    (("recipient address rejected: access denied",), R.USER_UNKNOWN),
    (("spamhaus", "blocked for spam", "client host blocked", "banned sending ip", "invalid ip for sending",
      "my name was rejected", "ip address blacklisted", "blacklisted by"), R.BLOCKED),
    (("spf", "dkim", "dmarc", "unauthenticated email", "authentication failure", "authentication checks failed"),
     R.AUTH_FAILURE),
    (("policy reasons", "policy violation", "protocol violation", "header error", "violates our policy",
      "against our policy"), R.POLICY_VIOLATION),
    (("message content rejected", "content rejected", ", ube", "spam", "unsolicited", "bulk mail", "blacklisted url",
      "phish", "spamassassin"), R.SPAM),
    (("relay access denied", "relaying denied", "relay not permitted", "relaying not allowed", "not permitted to relay",
      "unable to relay", "relay denied", "we do not relay", "not a gateway", "configured to relay"), R.NO_RELAYING),
    (("does not accept mail", "couldn't find a mail exchanger", "no smtp service", "null mx", "nullmx",
      "accepts no mail", "indicated no smtp"),
     R.NOT_ACCEPT),
    (("blacklisted", "blocklist", "blacklist", "client host rejected", "weren't sent", "not accepting connections",
      "is listed in", "are listed in", "was listed in", "listed on", "rbl", "spamhaus",
      "relay quota", "refused to talk to me", "(bl)", "dnsbl", "your ip",
      "ip address", "poor reputation", "bad reputation", "low reputation", "reputation"), R.BLOCKED),
    (("purported responsible address", "unroutable sender", "sender address rejected", "sender rejected",
      "domain is invalid", "sender domain", "domain of sender", "sender verify", "envelope sender",
      "after mail from", "in reply to mail from", "mail from command", "invalid sender", "sender is not",
      "sender denied", "send mail as", "customfromdenied", "permission to post", "not allowed to post"), R.REJECTED),
    (("550 : user unknown", "550: : user unknown"), R.FILTERED),  # au (KDDI)'s domain filter: no address named
    (("message filtered", "domain filter", "rejected by filter", "filtered", "refused due to recipient preferences",
      "only accepting mail from specific", "is not accepting any mail", "message rejected due to user rules",
      "user refuses to receive", "user reject", "blocked by the recipient", "has restricted sms e-mail"),
     R.FILTERED),
    (("user unknown", "unknown user", "username unknown", "unknown recipient", "unknown mailbox", "unknown address",
      "no such user", "no such mailbox", "no such recipient", "no such address", "user not exist",
      "doesn't have a", "does not have a", "recipient not found", "recipientnotfound", "invalid final delivery",
      "invalid recipient", "invalid mailbox", "not a valid recipient", "not a valid mailbox", "not listed in",
      "user not found", "mailbox not found", "mailbox unavailable", "couldn't be found",
      "could not be found", "not recognized", "is not a known user", "no mailbox here", "invalid address",
      "no such person", "check if address is correct", "unknown or illegal alias", "account does not exist",
      "recipient does not exist",
      "address does not exist", "user doesn't exist", "user does not exist", "mailbox does not exist"),
     R.USER_UNKNOWN),
    (("host or domain name not found", "domain is not reachable"), R.HOST_UNKNOWN),
    (("name service error", "malformed or unexpected name server reply", "dns error", "dns query failed",
      "lost connection", "no route to host", "establish an smtp connection", "host name lookup failure",
      "too many hops", "routing loop",
      "mail loop", "loops back"), R.NETWORK_ERROR),
    (("host unknown", "unknown host", "domain does not exist", "domain not found", "domain name not found",
      "host not found", "no such domain", "unrouteable address", "unroutable address", "nxdomain",
      "name or service not known", "no mx"), R.HOST_UNKNOWN),
    (("retried for", "connection timed out", "have been failing for a long time", "attempts:", "failed 20 attempts",
      "did not accept our requests to",
      "message expired", "retry timeout exceeded", "giving up", "gave up", "could not be delivered for",
      "delivery time expired", "too long in queue", "queue timeout"), R.EXPIRED),
    (("too large", "too big", "size exceeds", "message size exceed", "maximum message size", "size limit exceeded",
      "message exceeds", "line limit exceeded"), R.MESSAGE_TOO_LARGE),
    (("starttls", "tls is required", "must issue a starttls", "tls required"), R.FAILED_STARTTLS),
    (("system full", "insufficient system storage", "disk full", "out of disk", "insufficient disk space"),
     R.SYSTEM_FULL),
    (("command parameter not implemented", "command not implemented", "syntax error", "command unrecognized"),
     R.SYNTAX_ERROR),
    (("queue file write error", "could not load", "transaction failed", "ldap server", "system error",
      "local configuration error", "internal error"), R.SYSTEM_ERROR),
)  # fmt: skip

GENERIC: Rules = (
    (("not found", "does not exist", "doesn't exist", "no such", "invalid", "address rejected"), R.USER_UNKNOWN),
    (("unroutable", "unrouteable"), R.HOST_UNKNOWN),
    (("disabled",), R.MAILBOX_DISABLED),
    (("try again later", "try later", "too many recipients"), R.RATE_LIMITED),
    (("blocked", "denied", "not permitted", "not allowed", "not authorized", "not authorised", "refused by",
      "rejected for", "access denied"), R.BLOCKED),
    (("policy",), R.POLICY_VIOLATION),
    (("connection refused", "connection reset", "connection timed out", "no route to host", "network",
      "unreachable", "lost connection", "socket error"), R.NETWORK_ERROR),
    (("expired", "too long", "in the queue too long", "retry time", "timed out", "timeout", "time out",
      "in the queue"), R.EXPIRED),
    (("header", "content", "mime", "8bit", "line too long", "malformed"), R.CONTENT_ERROR),
    (("syntax",), R.SYNTAX_ERROR),
    (("system", "internal", "temporar", "unavailable", "resources", "server error", "not responding"),
     R.SYSTEM_ERROR),
)  # fmt: skip

# Unknown-user wording only the server holding the mailboxes writes (a directory or local-delivery lookup, a
# provider's own account check): an unknown user wherever in the session it came, never a gateway's filter.
DIRECTORY: Rules = (
    (("not listed in domino directory", "not listed in public name & address book", "recipient name is not recognized",
      "invalid final delivery userid", "unknown user:", "mail.local: unknown user", "address couldn't be found",
      "check if address is correct", "delivery error: dd ", "destinataire invalide",
      ">: user unknown"), R.USER_UNKNOWN),
)  # fmt: skip
