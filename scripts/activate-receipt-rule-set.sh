#!/usr/bin/env bash
# Make the stack's SES receipt rule set the active one, so SES inbound starts storing the canaries that arrive on
# the ReceivingDomain. CloudFormation creates the rule set but cannot activate it (there is no property for it),
# so this runs once after the first deploy with a ReceivingDomain.
# A region has at most one active receipt rule set per account: activating ours deactivates any other. The
# script refuses (exit 3) when another rule set is active, unless FORCE=1; then merge our rule into yours
# instead, or accept that yours stops receiving.
#   scripts/activate-receipt-rule-set.sh
#   FORCE=1 scripts/activate-receipt-rule-set.sh
# The stack is MAILCANARY_STACK (default mailcanary), its region AWS_REGION / AWS_DEFAULT_REGION or the CLI's.
# Exit codes: 0 active (or already was), 2 the stack has no receipt rule set (ReceivingDomain is empty),
# 3 another rule set is active and FORCE is not 1.
set -euo pipefail

STACK="${MAILCANARY_STACK:-mailcanary}"

RULE_SET="$(aws cloudformation describe-stacks --stack-name "$STACK" \
    --query "Stacks[0].Outputs[?OutputKey=='ReceiptRuleSetName'].OutputValue" --output text)"
if [[ -z "$RULE_SET" || "$RULE_SET" == "None" ]]; then
    echo "activate-receipt-rule-set.sh: stack $STACK has no ReceiptRuleSetName output: deploy it with a ReceivingDomain" >&2
    exit 2
fi

ACTIVE="$(aws ses describe-active-receipt-rule-set --query 'Metadata.Name' --output text 2>/dev/null || true)"
if [[ "$ACTIVE" == "$RULE_SET" ]]; then
    echo "receipt rule set $RULE_SET is already active"
    exit 0
fi
if [[ -n "$ACTIVE" && "$ACTIVE" != "None" && "${FORCE:-0}" != "1" ]]; then
    echo "activate-receipt-rule-set.sh: receipt rule set $ACTIVE is active in this region; activating $RULE_SET" \
        "would stop it. Add mailcanary's rule to it instead, or run again with FORCE=1" >&2
    exit 3
fi
aws ses set-active-receipt-rule-set --rule-set-name "$RULE_SET"
echo "receipt rule set $RULE_SET is now active${ACTIVE:+ (was: $ACTIVE)}"
