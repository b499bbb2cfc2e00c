"""The template's tables are the ones the code creates in tests and the lab (store.schema is the truth), and
each function's IAM policy allows every call its service makes, on the right table or index ARN."""

from __future__ import annotations

from typing import Any

import pytest

from mailcanary.store import canary_table_definition, idempotency_table_definition
from mailcanary.store.schema import TTL_ATTRIBUTE

CANARY_TABLE = {"Fn::GetAtt": ["CanaryTable", "Arn"]}
IDEMPOTENCY_TABLE = {"Fn::GetAtt": ["IdempotencyTable", "Arn"]}


def _index(name: str) -> dict[str, str]:
    return {"Fn::Sub": "${CanaryTable.Arn}/index/" + name}


def _shape(definition: dict[str, Any]) -> dict[str, Any]:
    """Keys, attribute definitions and indexes of a CreateTable / AWS::DynamoDB::Table, order-free."""
    return {
        "billing": definition["BillingMode"],
        "attributes": sorted((a["AttributeName"], a["AttributeType"]) for a in definition["AttributeDefinitions"]),
        "keys": [(k["AttributeName"], k["KeyType"]) for k in definition["KeySchema"]],
        "indexes": sorted(
            (
                index["IndexName"],
                tuple((k["AttributeName"], k["KeyType"]) for k in index["KeySchema"]),
                index["Projection"]["ProjectionType"],
            )
            for index in definition.get("GlobalSecondaryIndexes", [])
        ),
    }


def test_given_the_canary_table_when_compared_with_store_schema_then_keys_indexes_and_ttl_match(
    template: dict[str, Any],
) -> None:
    # Given the template's table and the definition the code uses to create it (tests, the lab)
    table = template["Resources"]["CanaryTable"]["Properties"]
    # Then keys, attribute definitions and every GSI (by-ses-message-id, by-pending) are the same
    assert _shape(table) == _shape(canary_table_definition("any"))
    assert table["TimeToLiveSpecification"] == {"AttributeName": TTL_ATTRIBUTE, "Enabled": True}


def test_given_the_idempotency_table_when_compared_with_store_schema_then_it_matches(template: dict[str, Any]) -> None:
    table = template["Resources"]["IdempotencyTable"]["Properties"]
    assert _shape(table) == _shape(idempotency_table_definition("any"))


def _allowed(template: dict[str, Any], function: str) -> set[tuple[str, str]]:
    """(action, resource as JSON-ish text) pairs the function's policies allow."""
    pairs: set[tuple[str, str]] = set()
    for policy in template["Resources"][function]["Properties"]["Policies"]:
        for statement in policy["Statement"]:
            actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            pairs |= {(action, repr(resource)) for action in actions for resource in resources}
    return pairs


_ALERT_KEY = {"Fn::GetAtt": ["AlertTopicKey", "Arn"]}
_ALERTS = [("sns:Publish", {"Ref": "AlertTopic"}), ("kms:GenerateDataKey", _ALERT_KEY), ("kms:Decrypt", _ALERT_KEY)]
_ALERT_STATE = [("dynamodb:UpdateItem", CANARY_TABLE), ("dynamodb:DeleteItem", CANARY_TABLE)]
NEEDED: dict[str, list[tuple[str, Any]]] = {
    "CanaryFunction": [
        # create the pending canary (a transaction of puts and a condition check); settle it (updates)
        ("dynamodb:PutItem", CANARY_TABLE),
        ("dynamodb:ConditionCheckItem", CANARY_TABLE),
        ("dynamodb:BatchWriteItem", CANARY_TABLE),  # record_sends
        ("dynamodb:BatchGetItem", CANARY_TABLE),  # the round's open alerts, read once
        ("dynamodb:UpdateItem", CANARY_TABLE),  # decide_path
        ("dynamodb:Query", CANARY_TABLE),  # read the canary back
        ("secretsmanager:GetSecretValue", {"Ref": "SmtpSecret"}),
        ("s3:PutObject", {"Fn::Sub": "${ArtifactBucket.Arn}/*/*/*/*/round.json"}),
        ("s3:PutObject", {"Fn::Sub": "${ArtifactBucket.Arn}/*/*/*/*/paths/*"}),
        *_ALERTS,
        *_ALERT_STATE,
    ],
    "SesEventsFunction": [
        ("dynamodb:Query", _index("by-ses-message-id")),
        ("dynamodb:Query", CANARY_TABLE),
        ("dynamodb:UpdateItem", CANARY_TABLE),
        ("dynamodb:GetItem", CANARY_TABLE),  # and UpdateItem above: the items of the deciding transaction
        *[(f"dynamodb:{action}", IDEMPOTENCY_TABLE) for action in ("PutItem", "GetItem", "UpdateItem", "DeleteItem")],
        ("s3:PutObject", {"Fn::Sub": "${ArtifactBucket.Arn}/*/*/*/*/ses-events/*"}),
        *_ALERTS,
        *_ALERT_STATE,
    ],
    "SweeperFunction": [
        ("dynamodb:Query", _index("by-pending")),
        ("dynamodb:Query", CANARY_TABLE),
        # the items of the transaction that marks paths lost; forget a swept canary's delivered effects
        ("dynamodb:UpdateItem", CANARY_TABLE),
        *_ALERTS,
        *_ALERT_STATE,
    ],
}


@pytest.mark.parametrize("function", sorted(NEEDED))
def test_given_each_function_when_its_policy_is_read_then_every_call_of_its_service_is_allowed(
    template: dict[str, Any], function: str
) -> None:
    allowed = _allowed(template, function)
    missing = [(action, resource) for action, resource in NEEDED[function] if (action, repr(resource)) not in allowed]
    assert missing == []


def test_given_the_canary_function_when_its_policy_is_read_then_it_may_send_through_ses(
    template: dict[str, Any],
) -> None:
    actions = {action for action, _ in _allowed(template, "CanaryFunction")}
    assert {"ses:SendRawEmail", "ses:SendEmail"} <= actions


def test_given_the_smtp_user_when_its_policy_is_read_then_it_sends_as_the_identity_anywhere_and_the_set_at_home(
    template: dict[str, Any],
) -> None:
    # SES SMTP targets may be endpoints of several regions (a password each); the configuration set exists
    # only in the stack's region, and only in-region sends name it (mailcanary.round.plan.awaits_ses_events)
    [statement] = template["Resources"]["SmtpUser"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    assert statement["Action"] == "ses:SendRawEmail"
    identity, configuration_set = statement["Resource"]
    assert identity["Fn::Sub"][0] == "arn:${AWS::Partition}:ses:*:${AWS::AccountId}:identity/${Identity}"
    assert configuration_set["Fn::Sub"] == (
        "arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:configuration-set/${ConfigurationSet}"
    )
