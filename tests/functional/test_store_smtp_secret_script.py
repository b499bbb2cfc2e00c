"""scripts/store-smtp-secret.sh end to end against moto's server on 127.0.0.1 (IAM, Secrets Manager)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer

from mailcanary.ses.smtp_credentials import smtp_password

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "store-smtp-secret.sh"
ACCOUNT = "123456789012"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def moto_endpoint() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def _cli_environment(moto_endpoint: str, tmp_path: Path) -> dict[str, str]:
    """The AWS CLI's environment for the script: moto's endpoint, test keys, us-east-1 as the default region."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("AWS_")},
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": moto_endpoint,
        "HOME": str(tmp_path),
    }


def test_given_the_smtp_user_and_secret_when_the_script_runs_then_the_secret_holds_derived_passwords(
    moto_endpoint: str, tmp_path: Path
) -> None:
    if shutil.which("aws") is None:
        pytest.skip("the AWS CLI is not installed")
    # Given an IAM user and a placeholder secret, as the stack creates them
    env = _cli_environment(moto_endpoint, tmp_path)
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing")
    iam = session.client("iam", region_name="us-east-1", endpoint_url=moto_endpoint)
    secrets = session.client("secretsmanager", region_name="us-east-1", endpoint_url=moto_endpoint)
    iam.create_user(UserName="mailcanary-smtp")
    secret_arn = secrets.create_secret(Name="smtp", SecretString='{"username": "placeholder"}')["ARN"]
    # When the script runs for two regions
    result = subprocess.run(
        ["bash", str(SCRIPT)],
        env=env
        | {
            "SMTP_USER_NAME": "mailcanary-smtp",
            "SMTP_SECRET_ARN": secret_arn,
            "SMTP_REGIONS": "us-east-1 eu-west-1",
            "MAILCANARY": str(Path(sys.executable).parent / "mailcanary"),
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    # Then the secret holds the new access key id and the passwords derived from its secret key
    (key,) = iam.list_access_keys(UserName="mailcanary-smtp")["AccessKeyMetadata"]
    from moto.iam.models import iam_backends

    secret_key = next(
        k.secret_access_key
        for k in iam_backends[ACCOUNT]["global"].users["mailcanary-smtp"].access_keys
        if k.access_key_id == key["AccessKeyId"]
    )
    stored = json.loads(secrets.get_secret_value(SecretId=secret_arn)["SecretString"])
    assert stored["username"] == key["AccessKeyId"]
    assert stored["passwords_by_region"] == {
        "us-east-1": smtp_password(secret_key, "us-east-1"),
        "eu-west-1": smtp_password(secret_key, "eu-west-1"),
    }
    assert stored["password"] == stored["passwords_by_region"]["us-east-1"]
    # And neither the secret key nor a password reached the terminal
    for secret in (secret_key, *stored["passwords_by_region"].values()):
        assert secret not in result.stdout + result.stderr


def _run(env: dict[str, str], **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT)],
        env=env | {"MAILCANARY": str(Path(sys.executable).parent / "mailcanary")} | extra,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_given_repeated_runs_when_the_script_rotates_then_at_most_two_keys_and_the_stacks_region_by_default(
    moto_endpoint: str, tmp_path: Path
) -> None:
    if shutil.which("aws") is None:
        pytest.skip("the AWS CLI is not installed")
    # (moto's backends outlive one server in this process: names of their own)
    # Given the stack in eu-west-1 (its secret there) while the CLI's default region is us-east-1, no SMTP_REGIONS
    env = _cli_environment(moto_endpoint, tmp_path)
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing")
    iam = session.client("iam", region_name="us-east-1", endpoint_url=moto_endpoint)
    secrets = session.client("secretsmanager", region_name="eu-west-1", endpoint_url=moto_endpoint)
    iam.create_user(UserName="mailcanary-smtp-rotated")
    placeholder = json.dumps({"username": "set-by-scripts/store-smtp-secret.sh", "password": "generated"})
    secret_arn = secrets.create_secret(Name="smtp-rotated", SecretString=placeholder)["ARN"]
    stored_ids: list[str] = []
    # When the script runs three times (IAM refuses a third key on a user)
    for _ in range(3):
        result = _run(env, SMTP_USER_NAME="mailcanary-smtp-rotated", SMTP_SECRET_ARN=secret_arn)
        assert result.returncode == 0, result.stderr
        stored = json.loads(secrets.get_secret_value(SecretId=secret_arn)["SecretString"])
        stored_ids.append(stored["username"])
        # Then the passwords are for the stack's region (the secret's), not the CLI's default region
        assert set(stored["passwords_by_region"]) == {"eu-west-1"}
        # And the user keeps at most two keys: the one stored now and the one stored before it
        keys = {
            key["AccessKeyId"] for key in iam.list_access_keys(UserName="mailcanary-smtp-rotated")["AccessKeyMetadata"]
        }
        assert keys == set(stored_ids[-2:])
    assert len(set(stored_ids)) == 3
    assert f"deleted access key {stored_ids[0]}" in result.stdout
