#!/usr/bin/env bash
# A real headless browser for the HTML report's tests: Debian's chromium. Tests skip with the reason when it is
# missing. Needs root for apt; waits for another apt run's lock rather than failing.
set -euo pipefail

if command -v chromium >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" != 0 ]; then
    echo "browser: root needed to install chromium; the browser tests will skip" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=600 update -qq
apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
command -v chromium >/dev/null
