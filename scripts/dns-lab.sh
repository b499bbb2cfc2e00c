#!/usr/bin/env bash
# A real DNS server on loopback for the DKIM tests (Debian's dnsmasq): install | start PORT CONF | stop PORT | status PORT.
#   start: serves the records of CONF (dnsmasq lines such as txt-record=NAME,"STRING","STRING") on 127.0.0.1:PORT,
#          answering only from them (no upstream, no /etc/hosts), for the zones CONF lists with local=/ZONE/.
#   stop:  ends the dnsmasq this script started on PORT (by the pid it wrote), nothing else.
# Root is needed to install dnsmasq; without it `install` fails and the DNS tests skip.
set -euo pipefail

STATE_DIR="${MAILCANARY_DNS_LAB_DIR:-${TMPDIR:-/tmp}/mailcanary-dns-lab}"

install() {
    if command -v dnsmasq >/dev/null 2>&1; then return 0; fi
    if [ "$(id -u)" != 0 ]; then echo "dns-lab: root needed to install dnsmasq" >&2; exit 1; fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # dnsmasq-base: the server alone, without the system service the `dnsmasq` package would start on port 53
    apt-get install -y -qq --no-install-recommends dnsmasq-base >/dev/null
}

pidfile() { echo "${STATE_DIR}/dnsmasq-$1.pid"; }

start() {
    local port="$1" conf="$2"
    command -v dnsmasq >/dev/null 2>&1 || install
    [ -r "$conf" ] || { echo "dns-lab: cannot read $conf" >&2; exit 2; }
    mkdir -p "$STATE_DIR"
    stop "$port"
    dnsmasq --conf-file="$conf" --listen-address=127.0.0.1 --bind-interfaces --port="$port" \
        --no-resolv --no-hosts --no-poll --cache-size=0 --pid-file="$(pidfile "$port")" \
        --user="$(id -un)" --log-facility="${STATE_DIR}/dnsmasq-${port}.log"
    for _ in $(seq 1 50); do
        if [ -s "$(pidfile "$port")" ]; then return 0; fi
        sleep 0.1
    done
    echo "dns-lab: dnsmasq did not start on 127.0.0.1:${port}" >&2
    exit 1
}

stop() {
    local file
    file="$(pidfile "$1")"
    if [ -s "$file" ]; then
        kill "$(cat "$file")" 2>/dev/null || true
        rm -f "$file"
    fi
}

status() { [ -s "$(pidfile "$1")" ] && kill -0 "$(cat "$(pidfile "$1")")" 2>/dev/null; }

case "${1:-}" in
    install) install ;;
    start) [ $# -eq 3 ] || { echo "usage: $0 start PORT CONF" >&2; exit 2; }; start "$2" "$3" ;;
    stop) [ $# -eq 2 ] || { echo "usage: $0 stop PORT" >&2; exit 2; }; stop "$2" ;;
    status) [ $# -eq 2 ] || { echo "usage: $0 status PORT" >&2; exit 2; }; status "$2" ;;
    *) echo "usage: $0 install|start PORT CONF|stop PORT|status PORT" >&2; exit 2 ;;
esac
