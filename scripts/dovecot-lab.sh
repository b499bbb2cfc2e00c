#!/usr/bin/env bash
# A real IMAP mailbox on loopback for the functional tests: install | start | stop | status.
#   Dovecot (Debian dovecot-imapd) on 127.0.0.1: IMAPS on ${MAILCANARY_IMAPS_PORT:-10993} (implicit TLS) and IMAP
#   with STARTTLS on ${MAILCANARY_IMAP_PORT:-10143}; a CA and a server certificate (localhost, 127.0.0.1) made at
#   the first start; passwd-file users; Maildir under $STATE/mail.
#   The lab Postfix (scripts/postfix-lab.sh) delivers the domain imap.lab.test into those Maildirs with its
#   virtual(8) agent, which adds Delivered-To and X-Original-To:
#     canary@imap.lab.test       -> user "canary", INBOX      canary-junk@imap.lab.test  -> user "canary", Junk
#     spam@imap.lab.test         -> user "spam", INBOX        spam-spam@imap.lab.test    -> user "spam", Spam
#   "Junk" carries the SPECIAL-USE flag \Junk; "Spam" does not (a receiver finds it by its common name); "Read"
#   (made on login) is where a receiver configured to move what it read puts it.
# What the tests need (ports, CA file, users, passwords) is written to $STATE/lab.env. Passwords are random,
# made at the first start. Root is needed to install and to configure Postfix; without it the tests skip.
set -euo pipefail

STATE="${MAILCANARY_DOVECOT_STATE:-/var/lib/mailcanary-imap}"
PORT_IMAPS="${MAILCANARY_IMAPS_PORT:-10993}"
PORT_IMAP="${MAILCANARY_IMAP_PORT:-10143}"
DOMAIN="imap.lab.test"
VMAIL_USER="mailcanary-vmail"
POSTFIX_LAB="$(dirname "$0")/postfix-lab.sh"

install() {
    if ! command -v dovecot >/dev/null 2>&1; then
        if [ "$(id -u)" != 0 ]; then echo "dovecot-lab: root needed to install dovecot-imapd" >&2; exit 1; fi
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends dovecot-imapd openssl >/dev/null
    fi
}

certificates() {
    local tls="$STATE/tls"
    [ -s "$tls/server.pem" ] && [ -s "$tls/ca.pem" ] && return 0
    mkdir -p "$tls"
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/O=mailcanary lab/CN=mailcanary lab CA" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -keyout "$tls/ca.key" -out "$tls/ca.pem" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -subj "/O=mailcanary lab/CN=localhost" \
        -keyout "$tls/server.key" -out "$tls/server.csr" 2>/dev/null
    printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
        "extendedKeyUsage=serverAuth" "subjectAltName=DNS:localhost,IP:127.0.0.1" > "$tls/server.ext"
    openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" -CAcreateserial -days 30 \
        -extfile "$tls/server.ext" -out "$tls/server.pem" 2>/dev/null
    # A second, unrelated CA: a client trusting only this one must refuse the server (verification failure).
    openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/O=mailcanary lab/CN=unrelated CA" \
        -addext "basicConstraints=critical,CA:TRUE" -keyout "$tls/other-ca.key" -out "$tls/other-ca.pem" 2>/dev/null
    chmod 600 "$tls"/*.key
}

password_of() {  # the user's password, made once
    local file="$STATE/secrets/$1"
    if [ ! -s "$file" ]; then
        mkdir -p "$STATE/secrets" && chmod 700 "$STATE/secrets"
        head -c 18 /dev/urandom | base64 | tr '+/' '-_' > "$file"
    fi
    cat "$file"
}

maildir() {  # an empty Maildir (or Maildir++ folder) owned by the mail user
    mkdir -p "$1/cur" "$1/new" "$1/tmp"
}

configure() {
    id "$VMAIL_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$VMAIL_USER"
    local uid gid
    uid="$(id -u "$VMAIL_USER")" gid="$(id -g "$VMAIL_USER")"
    mkdir -p "$STATE/run" "$STATE/state" "$STATE/mail"
    certificates
    local canary_password spam_password
    canary_password="$(password_of canary)" spam_password="$(password_of spam)"
    maildir "$STATE/mail/canary/Maildir" && maildir "$STATE/mail/canary/Maildir/.Junk"
    maildir "$STATE/mail/spam/Maildir" && maildir "$STATE/mail/spam/Maildir/.Spam"
    chown -R "$uid:$gid" "$STATE/mail"
    {
        echo "canary:{PLAIN}${canary_password}:${uid}:${gid}::${STATE}/mail/canary"
        echo "spam:{PLAIN}${spam_password}:${uid}:${gid}::${STATE}/mail/spam"
    } > "$STATE/users"
    chown root:dovecot "$STATE/users" && chmod 640 "$STATE/users"
    cat > "$STATE/dovecot.conf" <<EOF
# Written by scripts/dovecot-lab.sh: the lab's IMAP server, loopback only.
base_dir = $STATE/run
state_dir = $STATE/state
protocols = imap
listen = 127.0.0.1
log_path = $STATE/dovecot.log
ssl = required
ssl_cert = <$STATE/tls/server.pem
ssl_key = <$STATE/tls/server.key
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes
auth_mechanisms = plain login
first_valid_uid = $uid
last_valid_uid = $uid
mail_location = maildir:~/Maildir
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $STATE/users
}
userdb {
  driver = passwd-file
  args = username_format=%u $STATE/users
}
namespace inbox {
  inbox = yes
  separator = /
  mailbox Junk {
    special_use = \\Junk
  }
  mailbox Read {
    auto = create
  }
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $PORT_IMAP
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $PORT_IMAPS
    ssl = yes
  }
}
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
EOF
    # Postfix delivers imap.lab.test into the Maildirs above (virtual(8) adds Delivered-To and X-Original-To).
    printf '%s\n' "canary@${DOMAIN} canary/Maildir/" "canary-junk@${DOMAIN} canary/Maildir/.Junk/" \
        "spam@${DOMAIN} spam/Maildir/" "spam-spam@${DOMAIN} spam/Maildir/.Spam/" > "$STATE/vmailbox"
    postconf -e "virtual_mailbox_domains = ${DOMAIN}" "virtual_mailbox_base = $STATE/mail" \
        "virtual_mailbox_maps = texthash:$STATE/vmailbox" "virtual_uid_maps = static:${uid}" \
        "virtual_gid_maps = static:${gid}" "virtual_minimum_uid = ${uid}"
    cat > "$STATE/lab.env" <<EOF
MAILCANARY_IMAP_HOST=127.0.0.1
MAILCANARY_IMAPS_PORT=$PORT_IMAPS
MAILCANARY_IMAP_STARTTLS_PORT=$PORT_IMAP
MAILCANARY_IMAP_CA_FILE=$STATE/tls/ca.pem
MAILCANARY_IMAP_OTHER_CA_FILE=$STATE/tls/other-ca.pem
MAILCANARY_IMAP_DOMAIN=$DOMAIN
MAILCANARY_IMAP_CANARY_PASSWORD=$canary_password
MAILCANARY_IMAP_SPAM_PASSWORD=$spam_password
MAILCANARY_IMAP_MAILDIR=$STATE/mail
EOF
    chmod 600 "$STATE/lab.env"
}

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start() {
    command -v dovecot >/dev/null 2>&1 || install
    configure
    bash "$POSTFIX_LAB" start
    postfix reload >/dev/null 2>&1 || true
    if status; then
        doveadm -c "$STATE/dovecot.conf" reload
    else
        # Dovecot's daemon keeps the descriptors it was given: with the caller's pipes it would hold them open and
        # a caller reading them to the end (subprocess.run with capture_output) would wait forever.
        if ! dovecot -c "$STATE/dovecot.conf" </dev/null >"$STATE/dovecot-start.log" 2>&1; then
            cat "$STATE/dovecot-start.log" >&2
            exit 1
        fi
    fi
    for _ in $(seq 1 50); do
        if listening "$PORT_IMAPS" && listening "$PORT_IMAP"; then return 0; fi
        sleep 0.1
    done
    echo "dovecot-lab: Dovecot did not listen on 127.0.0.1:${PORT_IMAPS}/${PORT_IMAP} (see $STATE/dovecot.log)" >&2
    exit 1
}

stop() { [ -f "$STATE/dovecot.conf" ] && doveadm -c "$STATE/dovecot.conf" stop >/dev/null 2>&1 || true; }
status() { [ -f "$STATE/run/master.pid" ] && kill -0 "$(cat "$STATE/run/master.pid")" 2>/dev/null; }

case "${1:-}" in
    install) install ;;
    start) start ;;
    stop) stop ;;
    status) status ;;
    *) echo "usage: $0 install|start|stop|status" >&2; exit 2 ;;
esac
