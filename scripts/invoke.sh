#!/usr/bin/env bash
# Invoke a deployed mailcanary function with a sample event and print its JSON summary and log tail.
#   scripts/invoke.sh CanaryFunction events/canary/console-overrides.json
#   MAILCANARY_STACK=my-stack scripts/invoke.sh SesEventsFunction events/ses_events/sns-bounce.json
# FUNCTION is the template's logical id (CanaryFunction, SesEventsFunction, SweeperFunction) or a function name.
# Exit codes: 0 the function returned, 1 the function raised (its error is the response), 2 usage error; any
# other code is the AWS CLI's own (the call failed).
set -euo pipefail

if [[ $# -ne 2 ]]; then
    echo "usage: $0 FUNCTION EVENTFILE" >&2
    exit 2
fi
FUNCTION="$1"
EVENT="$2"
STACK="${MAILCANARY_STACK:-mailcanary}"
if [[ ! -f "$EVENT" ]]; then
    echo "invoke.sh: no such event file: $EVENT" >&2
    exit 2
fi

case "$FUNCTION" in
    CanaryFunction | SesEventsFunction | SweeperFunction)
        FUNCTION="$(aws cloudformation describe-stack-resource --stack-name "$STACK" \
            --logical-resource-id "$FUNCTION" --query StackResourceDetail.PhysicalResourceId --output text)"
        ;;
esac

RESPONSE="$(mktemp)"
trap 'rm -f "$RESPONSE"' EXIT
# FunctionError is set ("Unhandled") when the function raised: the call itself still succeeds (HTTP 200).
META="$(aws lambda invoke --function-name "$FUNCTION" --payload "fileb://$EVENT" \
    --log-type Tail --query '[LogResult, FunctionError]' --output text "$RESPONSE")"
LOG_TAIL="${META%%$'\t'*}"
FUNCTION_ERROR="${META#*$'\t'}"
echo "--- log tail (last 4 KB) ---"
printf '%s' "$LOG_TAIL" | base64 --decode || true
echo
echo "--- response ---"
cat "$RESPONSE"
echo
if [[ -n "$FUNCTION_ERROR" && "$FUNCTION_ERROR" != "None" ]]; then
    echo "invoke.sh: $FUNCTION raised an error ($FUNCTION_ERROR): see the response and the log tail above" >&2
    exit 1
fi
