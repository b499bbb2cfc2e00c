"""The lab's moto server comes up on loopback with the template's resources and goes away afterwards."""

from __future__ import annotations

import socket
from urllib.parse import urlparse

from mailcanary.lab.aws_lab import running_aws_lab


def test_given_lab_when_started_then_resources_exist_and_alerts_can_be_read_back() -> None:
    with running_aws_lab() as lab:
        # Given the lab is running
        assert urlparse(lab.endpoint_url).hostname == "127.0.0.1"
        assert lab.client("ses").list_identities()["Identities"] == [lab.resources.sender]
        assert lab.client("dynamodb").describe_table(TableName=lab.resources.table_name)["Table"]["KeySchema"]
        # When an alert is published
        lab.client("sns").publish(TopicArn=lab.resources.alert_topic_arn, Subject="s", Message="m")
        # Then it can be read back, once
        assert lab.alerts_received() == [{"subject": "s", "body": "m"}]
        assert lab.alerts_received() == []
        port = urlparse(lab.endpoint_url).port
    # And the server is gone afterwards
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port or 0)) != 0
