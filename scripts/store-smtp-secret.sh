#!/usr/bin/env bash
# Store SES SMTP credentials in the stack's secret: create an access key for the stack's SMTP IAM user (or
# use one you give), derive the SMTP password per region with `mailcanary smtp-password`, and put
#   {"username": <access key id>, "password": <password for the first region>,
#    "passwords_by_region": {"<region>": <password>, ...}}
# into the secret. The secret access key and the passwords are never printed or put on a command line.
# IAM allows two access keys per user: before creating one, every key of the user except the one the secret
# holds now is deleted, and that one is kept (a round may be using it) until the next run. So the script can
# run again and again (to rotate the key, or to add a region) and the user never has more than two keys.
#   scripts/store-smtp-secret.sh                        # regions: the stack's region (the secret's)
#   SMTP_REGIONS="us-east-1 eu-west-1" scripts/store-smtp-secret.sh
#   SMTP_ACCESS_KEY_ID=AKIA... SMTP_SECRET_ACCESS_KEY=... scripts/store-smtp-secret.sh   # an existing key
# Stack outputs are read from MAILCANARY_STACK (default mailcanary); SMTP_USER_NAME and SMTP_SECRET_ARN
# override them.
set -euo pipefail
cd "$(dirname "$0")/.."

STACK="${MAILCANARY_STACK:-mailcanary}"
MAILCANARY="${MAILCANARY:-$(command -v mailcanary || echo .venv/bin/mailcanary)}"
PYTHON="${PYTHON:-$(dirname "$MAILCANARY")/python}"
[[ -x "$PYTHON" ]] || PYTHON=python3

output() {
    aws cloudformation describe-stacks --stack-name "$STACK" \
        --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text
}

SECRET_ARN="${SMTP_SECRET_ARN:-$(output SmtpSecretArn)}"
# arn:aws:secretsmanager:<region>:<account>:secret:<name>: the secret lives in the stack's region
SECRET_REGION="$(printf '%s' "$SECRET_ARN" | cut -d: -f4)"
if [[ "$SECRET_ARN" != arn:*:secretsmanager:* || -z "$SECRET_REGION" ]]; then
    echo "store-smtp-secret.sh: not a Secrets Manager ARN: '$SECRET_ARN' (stack $STACK, output SmtpSecretArn)" >&2
    exit 2
fi
REGIONS="${SMTP_REGIONS:-$SECRET_REGION}"

current_key_id() {
    # the access key id the secret holds now ("" for the stack's placeholder or an unreadable secret)
    aws secretsmanager get-secret-value --region "$SECRET_REGION" --secret-id "$SECRET_ARN" \
        --query SecretString --output text 2>/dev/null | "$PYTHON" -c '
import json, sys
try:
    print(json.load(sys.stdin).get("username", ""))
except (ValueError, AttributeError):
    print("")' || true
}

if [[ -n "${SMTP_ACCESS_KEY_ID:-}" ]]; then
    if [[ -z "${SMTP_SECRET_ACCESS_KEY:-}" ]]; then
        echo "store-smtp-secret.sh: SMTP_ACCESS_KEY_ID needs SMTP_SECRET_ACCESS_KEY" >&2
        exit 2
    fi
else
    USER_NAME="${SMTP_USER_NAME:-$(output SmtpUserName)}"
    KEEP="$(current_key_id)"
    KEPT=""
    for key in $(aws iam list-access-keys --user-name "$USER_NAME" --query 'AccessKeyMetadata[].AccessKeyId' \
        --output text); do
        if [[ "$key" == "$KEEP" ]]; then
            KEPT="$key"
        elif [[ "$key" != "None" ]]; then
            aws iam delete-access-key --user-name "$USER_NAME" --access-key-id "$key"
            echo "deleted access key $key of IAM user $USER_NAME (not the one the secret holds)"
        fi
    done
    KEY_JSON="$(aws iam create-access-key --user-name "$USER_NAME" --output json)"
    SMTP_ACCESS_KEY_ID="$(printf '%s' "$KEY_JSON" | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["AccessKey"]["AccessKeyId"])')"
    SMTP_SECRET_ACCESS_KEY="$(printf '%s' "$KEY_JSON" | "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["AccessKey"]["SecretAccessKey"])')"
    unset KEY_JSON
    echo "created access key $SMTP_ACCESS_KEY_ID for IAM user $USER_NAME"
fi
export SMTP_SECRET_ACCESS_KEY

umask 077
DOCUMENT="$(mktemp)"
trap 'rm -f "$DOCUMENT"' EXIT
PASSWORDS="{}"
for region in $REGIONS; do
    password="$("$MAILCANARY" smtp-password --region "$region" --secret-key-env SMTP_SECRET_ACCESS_KEY)"
    PASSWORDS="$(REGION="$region" PASSWORD="$password" CURRENT="$PASSWORDS" "$PYTHON" -c \
        'import json,os; d=json.loads(os.environ["CURRENT"]); d[os.environ["REGION"]]=os.environ["PASSWORD"]; print(json.dumps(d))')"
done
FIRST_REGION="${REGIONS%% *}"
USERNAME="$SMTP_ACCESS_KEY_ID" FIRST="$FIRST_REGION" PASSWORDS="$PASSWORDS" "$PYTHON" -c '
import json, os
passwords = json.loads(os.environ["PASSWORDS"])
print(json.dumps({"username": os.environ["USERNAME"], "password": passwords[os.environ["FIRST"]],
                  "passwords_by_region": passwords}))' > "$DOCUMENT"
aws secretsmanager put-secret-value --region "$SECRET_REGION" --secret-id "$SECRET_ARN" \
    --secret-string "file://$DOCUMENT" \
    --query VersionId --output text >/dev/null
echo "stored SMTP credentials for region(s) $REGIONS in $SECRET_ARN"
if [[ -n "${KEPT:-}" ]]; then
    echo "kept the previous access key $KEPT until the next run (a round may still be using it)"
fi
