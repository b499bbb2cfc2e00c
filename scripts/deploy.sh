#!/usr/bin/env bash
# Build and deploy mailcanary with AWS SAM: `sam build`, then `sam deploy --guided` (the first time, or
# when GUIDED=1), else `sam deploy` with the answers saved in samconfig.toml.
#   scripts/deploy.sh                      # uses the SAM CLI on PATH, else .venv-sam/bin/sam (make sam-venv)
#   BUILD_ARGS=--use-container scripts/deploy.sh   # build in Docker when Python 3.13 is not installed
set -euo pipefail
cd "$(dirname "$0")/.."

SAM="${SAM:-$(command -v sam || true)}"
if [[ -z "$SAM" ]]; then
    SAM=.venv-sam/bin/sam
fi
if [[ ! -x "$SAM" ]]; then
    echo "deploy.sh: the SAM CLI was not found; install it or run 'make sam-venv'" >&2
    exit 2
fi
if [[ "${BUILD_ARGS:-}" != *--use-container* ]] && ! command -v python3.13 >/dev/null 2>&1; then
    echo "deploy.sh: sam build needs python3.13 on PATH (the functions' runtime), or BUILD_ARGS=--use-container" >&2
    exit 2
fi

# shellcheck disable=SC2086  # BUILD_ARGS is a list of flags
"$SAM" build ${BUILD_ARGS:-}
if [[ ! -f samconfig.toml || "${GUIDED:-0}" == "1" ]]; then
    "$SAM" deploy --guided --capabilities CAPABILITY_IAM
else
    "$SAM" deploy
fi
