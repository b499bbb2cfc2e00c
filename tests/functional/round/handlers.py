"""Loading the Lambda handlers as the runtime does, invoking them, and reading their EMF output."""

from __future__ import annotations

import functools
import importlib.util
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any
from unittest import mock

from botocore.client import BaseClient

ROOT = Path(__file__).resolve().parents[3]
EVENTS = ROOT / "events"


@dataclass
class LambdaContext:
    """The context fields Powertools reads (logger, idempotency)."""

    function_name: str = "mailcanary-test"
    memory_limit_in_mb: int = 128
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:123456789012:function:mailcanary-test"
    aws_request_id: str = "52fdfc07-2182-154f-163f-5f0f9a621d72"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def load_handler(function: str) -> ModuleType:
    """functions/<function>/app.py as its own module (every handler file is called app.py)."""
    spec = importlib.util.spec_from_file_location(
        f"{_HANDLER_PREFIX}{function}", ROOT / "functions" / function / "app.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_HANDLER_PREFIX = "mailcanary_handler_"
_TEMPLATE_FUNCTIONS = {
    "canary": "CanaryFunction",
    "ses_events": "SesEventsFunction",
    "sweeper": "SweeperFunction",
    "imap_poll": "ImapPollFunction",
    "arrival": "ArrivalFunction",
}


@contextmanager
def aws_calls() -> Iterator[set[str]]:
    """The IAM action ("dynamodb:Query", "ses:SendRawEmail", ...) of every AWS call made inside the block, by
    any thread. Observes only: every call still goes to moto."""
    calls: set[str] = set()
    original = BaseClient._make_api_call

    def observed(client: BaseClient, operation_name: str, api_params: Any) -> Any:
        calls.update(iam_actions(client.meta.service_model.signing_name, operation_name, api_params))
        return original(client, operation_name, api_params)

    with mock.patch.object(BaseClient, "_make_api_call", observed):
        yield calls


# DynamoDB transactions have no IAM action of their own: each item is authorised by its own action.
_TRANSACTION_ITEM_ACTIONS = {
    "Put": "dynamodb:PutItem",
    "Update": "dynamodb:UpdateItem",
    "Delete": "dynamodb:DeleteItem",
    "ConditionCheck": "dynamodb:ConditionCheckItem",
    "Get": "dynamodb:GetItem",
}


def iam_actions(service: str, operation: str, params: Any) -> set[str]:
    """The IAM actions AWS checks for one call: its own, or for TransactWriteItems/TransactGetItems, those of its
    items (the Service Authorization Reference lists no dynamodb:TransactWriteItems action)."""
    if service == "dynamodb" and operation in {"TransactWriteItems", "TransactGetItems"}:
        return {_TRANSACTION_ITEM_ACTIONS[kind] for item in params.get("TransactItems", []) for kind in item}
    return {f"{service}:{operation}"}


@functools.cache
def allowed_actions(function: str) -> frozenset[str]:
    """Every action template.yaml's policies grant the function deployed from functions/<function>/."""
    from cfnlint.decode import cfn_yaml

    template = cfn_yaml.load(str(ROOT / "template.yaml"))
    actions: set[str] = set()
    for policy in template["Resources"][_TEMPLATE_FUNCTIONS[function]]["Properties"]["Policies"]:
        for statement in policy["Statement"]:
            granted = statement["Action"]
            actions |= {str(action) for action in (granted if isinstance(granted, list) else [granted])}
    return frozenset(actions)


def invoke(handler: ModuleType, payload: Any) -> Any:
    """Invoke a handler loaded by `load_handler` as Lambda would. moto enforces no IAM, so this also checks what
    AWS would: every call the invocation made is an action its function's policy in template.yaml grants."""
    function = handler.__name__.removeprefix(_HANDLER_PREFIX)
    with aws_calls() as calls:
        result = handler.lambda_handler(payload, LambdaContext())
    denied = sorted(calls - allowed_actions(function))
    assert not denied, (
        f"{_TEMPLATE_FUNCTIONS[function]} calls {denied}, which its policy in template.yaml does not grant"
    )
    return result


def event(relative: str) -> Any:
    return json.loads((EVENTS / relative).read_text())


def emf(stdout: str) -> list[tuple[str, dict[str, str], Any]]:
    """(metric name, dimensions, value) of every EMF document printed on stdout."""
    found: list[tuple[str, dict[str, str], Any]] = []
    for line in stdout.splitlines():
        try:
            document = json.loads(line)
        except json.JSONDecodeError:
            continue
        if not isinstance(document, dict) or "_aws" not in document:
            continue
        for directive in document["_aws"]["CloudWatchMetrics"]:
            assert directive["Namespace"] == "Mailcanary"
            names = directive["Dimensions"][0] if directive["Dimensions"] else []
            dimensions = {name: document[name] for name in names}
            found += [(metric["Name"], dimensions, document[metric["Name"]]) for metric in directive["Metrics"]]
    return found


def count(metrics: list[tuple[str, dict[str, str], Any]], name: str, **dimensions: str) -> int:
    """How many data points of `name` with exactly these dimensions were emitted."""
    total = 0
    for metric, dims, value in metrics:
        if metric == name and dims == dimensions:
            total += len(value) if isinstance(value, list) else 1
    return total
