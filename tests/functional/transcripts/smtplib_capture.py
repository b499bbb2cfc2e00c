"""Drive the real smtplib through one capture scenario; its debug output (stderr) is the capture.

usage: python smtplib_capture.py HOST PORT LEVEL SCENARIO CAFILE [FROM TO REFUSED]
Debug output is switched on after connecting, as applications do, so the 220 greeting is not in it.
"""

from __future__ import annotations

import base64
import smtplib
import socket
import ssl
import sys
import time

host, port, level, scenario, cafile = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
DEFAULTS = ["canary@example.com", "inbox@example.com", "bounce@example.com"]
FROM, TO, REFUSED = sys.argv[6:9] + DEFAULTS[len(sys.argv[6:9]) :]
NAME = FROM.split("@")[0] + ".test"  # the EHLO name carries the sender's token, to find the session in a log
MSG = f"From: <{FROM}>\r\nTo: <{TO}>\r\nSubject: capture\r\n\r\nbody line\r\n"

if scenario == "early-talker":  # a client that talks before the greeting (smtplib cannot: a raw socket)
    raw = socket.create_connection((host, port), timeout=10)
    raw.sendall(b"EHLO " + NAME.encode() + b"\r\n")
    time.sleep(0.3)
    raw.sendall(b"QUIT\r\n")
    time.sleep(0.3)
    raw.close()
    sys.exit(0)

s = smtplib.SMTP(host, port, timeout=10)
s.set_debuglevel(level)
if scenario == "ok":
    s.sendmail(FROM, [TO], MSG)
elif scenario == "refused-recipient":
    s.sendmail(FROM, [TO, REFUSED], MSG)
elif scenario == "data-before-rcpt":
    s.ehlo(NAME)
    s.mail(FROM)
    s.docmd("DATA")
elif scenario == "rcpt-before-mail":
    s.ehlo(NAME)
    s.docmd("RCPT", f"TO:<{TO}>")
elif scenario == "mail-before-ehlo":
    s.docmd("MAIL", f"FROM:<{FROM}>")
elif scenario == "pipelining-not-advertised":
    s.ehlo(NAME)
    s.send(f"MAIL FROM:<{FROM}>\r\nRCPT TO:<{TO}>\r\n")
    s.getreply()
    s.getreply()
elif scenario == "auth-before-tls":
    s.ehlo(NAME)
    if s.has_extn("auth"):
        s.login("canary", "capture-lab-secret")
    else:  # smtplib will not send AUTH a server did not advertise; a careless client does
        s.docmd("AUTH", "PLAIN " + base64.b64encode(b"\0canary\0capture-lab-secret").decode())
elif scenario == "no-ehlo-after-starttls":
    s.ehlo(NAME)
    s.starttls(context=ssl.create_default_context(cafile=cafile))
    s.docmd("MAIL", f"FROM:<{FROM}>")
s.quit()
