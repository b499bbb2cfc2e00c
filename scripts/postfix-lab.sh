#!/usr/bin/env bash
# A real Postfix on loopback for the functional tests: install | start | stop | status.
#   127.0.0.1:2525  stock smtpd (unknown local users refused at RCPT with 550 5.1.1)
#   127.0.0.1:2526  smtpd that accepts unknown local users, so Postfix writes a genuine RFC 3464 bounce
# Root is needed to install and start Postfix; without it `install` fails and the Postfix tests skip.
set -euo pipefail

PORT_STOCK="${MAILCANARY_POSTFIX_PORT:-2525}"
PORT_BOUNCING="${MAILCANARY_POSTFIX_BOUNCE_PORT:-2526}"

configure() {
    local mastercf=/etc/postfix/master.cf
    # Replace the public smtp listener with two loopback ones (idempotent).
    sed -i -E '/^(smtp|[0-9.]+:[0-9]+)[[:space:]]+inet[[:space:]].*smtpd/d' "$mastercf"
    sed -i -E '/^[[:space:]]+-o local_recipient_maps=/d' "$mastercf"
    {
        echo "127.0.0.1:${PORT_STOCK} inet n - n - - smtpd"
        echo "127.0.0.1:${PORT_BOUNCING} inet n - n - - smtpd"
        echo "  -o local_recipient_maps="
    } >> "$mastercf"
    postconf -e 'inet_interfaces = 127.0.0.1' 'inet_protocols = ipv4' \
        'maillog_file = /var/log/postfix.log' 'myhostname = localhost' 'mydestination = localhost' \
        'mynetworks = 127.0.0.0/8' 'relayhost =' 'default_transport = error:mailcanary lab: no outside delivery' \
        'smtpd_banner = $myhostname ESMTP mailcanary-lab' 'compatibility_level = 3.6' \
        'debug_peer_list = 127.0.0.1'
}

install() {
    if ! command -v postfix >/dev/null 2>&1; then
        if [ "$(id -u)" != 0 ]; then echo "postfix-lab: root needed to install postfix" >&2; exit 1; fi
        echo "postfix postfix/main_mailer_type select Local only" | debconf-set-selections
        echo "postfix postfix/mailname string localhost" | debconf-set-selections
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends postfix >/dev/null
    fi
    configure
}

start() {
    command -v postfix >/dev/null 2>&1 || install
    configure
    postfix status >/dev/null 2>&1 && postfix reload >/dev/null 2>&1 || postfix start
    for _ in $(seq 1 50); do
        if (exec 3<>"/dev/tcp/127.0.0.1/${PORT_STOCK}") 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    echo "postfix-lab: Postfix did not listen on 127.0.0.1:${PORT_STOCK}" >&2
    exit 1
}

stop() { postfix stop >/dev/null 2>&1 || true; }
status() { postfix status; }

case "${1:-}" in
    install) install ;;
    start) start ;;
    stop) stop ;;
    status) status ;;
    *) echo "usage: $0 install|start|stop|status" >&2; exit 2 ;;
esac
