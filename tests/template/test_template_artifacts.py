"""The artifact bucket: encrypted, never public, TLS only, expiring after a parameter's days; and each function
that writes artifacts may put exactly the keys its code writes, nothing else (no read, no list, no delete)."""

from __future__ import annotations

import fnmatch
from datetime import UTC, datetime
from typing import Any

import pytest

from mailcanary.artifacts.keys import artifact_key, artifact_prefix
from mailcanary.message import new_canary_id

BUCKET_ARN = "${ArtifactBucket.Arn}"


def _bucket(template: dict[str, Any]) -> dict[str, Any]:
    return dict(template["Resources"]["ArtifactBucket"]["Properties"])


def test_given_the_bucket_when_read_then_encrypted_private_and_owned_by_the_account(template: dict[str, Any]) -> None:
    bucket = _bucket(template)
    (rule,) = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert bucket["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert bucket["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]


def test_given_the_bucket_policy_when_read_then_every_call_without_tls_is_denied(template: dict[str, Any]) -> None:
    policy = template["Resources"]["ArtifactBucketPolicy"]["Properties"]
    assert policy["Bucket"] == {"Ref": "ArtifactBucket"}
    (statement,) = policy["PolicyDocument"]["Statement"]
    assert (statement["Effect"], statement["Action"], statement["Principal"]) == ("Deny", "s3:*", "*")
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_given_the_retention_parameter_when_read_then_thirty_days_by_default_and_the_lifecycle_uses_it(
    template: dict[str, Any],
) -> None:
    parameter = template["Parameters"]["ArtifactRetentionDays"]
    assert (parameter["Type"], parameter["Default"], parameter["MinValue"]) == ("Number", 30, 1)
    (rule,) = _bucket(template)["LifecycleConfiguration"]["Rules"]
    assert rule["Status"] == "Enabled"
    assert rule["ExpirationInDays"] == {"Ref": "ArtifactRetentionDays"}
    groups = template["Metadata"]["AWS::CloudFormation::Interface"]["ParameterGroups"]
    assert any("ArtifactRetentionDays" in group["Parameters"] for group in groups)


def test_given_the_bucket_when_its_output_and_environment_are_read_then_both_name_it(template: dict[str, Any]) -> None:
    assert template["Outputs"]["ArtifactBucketName"]["Value"] == {"Ref": "ArtifactBucket"}
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["MAILCANARY_ARTIFACT_BUCKET"] == {"Ref": "ArtifactBucket"}


def _s3_grants(template: dict[str, Any], function: str) -> list[tuple[str, str]]:
    """(action, object ARN pattern) of every s3 statement in the function's policies."""
    grants = []
    for policy in template["Resources"][function]["Properties"]["Policies"]:
        for statement in policy["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            for action in actions:
                if action.startswith("s3:"):
                    assert statement["Effect"] == "Allow"
                    grants += [(action, resource["Fn::Sub"]) for resource in resources]
    return grants


def _allowed(grants: list[tuple[str, str]], key: str) -> bool:
    """Whether a PutObject of `key` matches a grant (IAM's `*` matches any characters, `/` included)."""
    return any(action == "s3:PutObject" and fnmatch.fnmatchcase(f"{BUCKET_ARN}/{key}", arn) for action, arn in grants)


@pytest.fixture(scope="module")
def prefix() -> str:
    found = artifact_prefix(new_canary_id(), datetime.now(UTC))
    assert found is not None
    return found


def test_given_the_functions_when_their_s3_grants_are_read_then_put_object_only(template: dict[str, Any]) -> None:
    for function in ("CanaryFunction", "SesEventsFunction"):
        assert {action for action, _ in _s3_grants(template, function)} == {"s3:PutObject"}, function
    assert _s3_grants(template, "SweeperFunction") == []


def test_given_the_keys_the_round_writes_when_checked_then_the_canary_function_may_put_them_and_no_other(
    template: dict[str, Any], prefix: str
) -> None:
    grants = _s3_grants(template, "CanaryFunction")
    # Given the keys `mailcanary.round.artifacts` writes for a round
    for key in (
        artifact_key(prefix, "round.json"),
        artifact_key(prefix, "paths", "api", "message.eml"),
        artifact_key(prefix, "paths", "smtp:lab", "transcript.txt"),
    ):
        assert _allowed(grants, key), key
    # And not the SES events' keys, nor anything outside a round's prefix
    assert not _allowed(grants, artifact_key(prefix, "ses-events", "api", "m-Delivery-x.json"))
    assert not _allowed(grants, "elsewhere.txt")


def test_given_the_keys_of_ses_events_when_checked_then_only_the_ses_events_function_may_put_them(
    template: dict[str, Any], prefix: str
) -> None:
    grants = _s3_grants(template, "SesEventsFunction")
    assert _allowed(grants, artifact_key(prefix, "ses-events", "smtp:lab", "0100-Delivery-abc.json"))
    assert not _allowed(grants, artifact_key(prefix, "round.json"))
    assert not _allowed(grants, artifact_key(prefix, "paths", "api", "message.eml"))
