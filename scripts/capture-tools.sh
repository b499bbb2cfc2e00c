#!/usr/bin/env bash
# The real programs whose logs and captures check-transcript reads, for the capture tests: swaks, PHPMailer
# (php-cli + Debian's libphp-phpmailer), msmtp, curl, socat, tcpdump from Debian; Nodemailer from npm into
# .tools/ (never committed). Tests whose program is missing skip with the reason. Needs root for apt.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(swaks libnet-ssleay-perl libio-socket-ssl-perl libauthen-sasl-perl php-cli libphp-phpmailer msmtp curl socat tcpdump)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "capture-tools: root needed to install ${missing[*]}; their tests will skip" >&2
    else
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
fi

if command -v npm >/dev/null 2>&1; then
    # An interrupted install leaves package.json without the code: check that it loads, not that it exists.
    if ! node -e 'require(process.argv[1])' "$PWD/.tools/node_modules/nodemailer" >/dev/null 2>&1; then
        rm -rf .tools/node_modules/nodemailer
        mkdir -p .tools
        npm install --silent --no-save --no-audit --no-fund --prefix .tools "nodemailer@${NODEMAILER_VERSION:-10.6.1}" >/dev/null
    fi
else
    echo "capture-tools: npm not found; the Nodemailer capture tests will skip" >&2
fi
