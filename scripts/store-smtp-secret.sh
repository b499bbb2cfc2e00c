#!/usr/bin/env bash
# Store SES SMTP credentials in the stack's secret: create an access key for the stack's SMTP IAM user (or
# use one you give), derive the SMTP password per region with `mailcanary smtp-password`, and put
#   {"username": <access key id>, "password": <password for the first region>,
#    "passwords_by_region": {"<region>": <password>, ...}}
# into the secret. The secret access key and the passwords are never printed or put on a command line.
#   scripts/store-smtp-secret.sh                        # regions: the stack's region
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

REGIONS="${SMTP_REGIONS:-${AWS_REGION:-${AWS_DEFAULT_REGION:-}}}"
if [[ -z "$REGIONS" ]]; then
    echo "store-smtp-secret.sh: set SMTP_REGIONS (or AWS_REGION) to the SES SMTP region(s)" >&2
    exit 2
fi
SECRET_ARN="${SMTP_SECRET_ARN:-$(output SmtpSecretArn)}"

if [[ -n "${SMTP_ACCESS_KEY_ID:-}" ]]; then
    if [[ -z "${SMTP_SECRET_ACCESS_KEY:-}" ]]; then
        echo "store-smtp-secret.sh: SMTP_ACCESS_KEY_ID needs SMTP_SECRET_ACCESS_KEY" >&2
        exit 2
    fi
else
    USER_NAME="${SMTP_USER_NAME:-$(output SmtpUserName)}"
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
aws secretsmanager put-secret-value --secret-id "$SECRET_ARN" --secret-string "file://$DOCUMENT" \
    --query VersionId --output text >/dev/null
echo "stored SMTP credentials for region(s) $REGIONS in $SECRET_ARN"
