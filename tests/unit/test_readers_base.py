"""What every verify reader relies on: the plan's managed resources (child modules included), and
policy documents compared in one canonical form whatever form the API returns them in."""

from __future__ import annotations

import json
from urllib.parse import quote

from harness.readers.base import PlannedResource, first, planned_resources, policy, tag_list

STATEMENT = {"Sid": "TlsOnly", "Effect": "Deny", "Action": "s3:*", "Resource": ["b", "a"]}


def test_the_plan_walk_finds_managed_resources_in_every_module_and_skips_data_sources() -> None:
    plan = {
        "planned_values": {
            "root_module": {
                "resources": [
                    {"address": "aws_sqs_queue.dlq", "mode": "managed", "type": "aws_sqs_queue",
                     "values": {"name": "dlq"}},
                    {"address": "data.aws_caller_identity.me", "mode": "data",
                     "type": "aws_caller_identity", "values": {}},
                ],
                "child_modules": [
                    {
                        "resources": [],
                        "child_modules": [
                            {"resources": [
                                {"address": "module.a.module.b.aws_s3_bucket.this",
                                 "mode": "managed", "type": "aws_s3_bucket",
                                 "values": {"bucket": "x"}},
                            ]}
                        ],
                    }
                ],
            }
        }
    }  # fmt: skip

    assert planned_resources(plan) == [
        PlannedResource("aws_sqs_queue.dlq", "aws_sqs_queue", {"name": "dlq"}),
        PlannedResource("module.a.module.b.aws_s3_bucket.this", "aws_s3_bucket", {"bucket": "x"}),
    ]
    assert planned_resources({}) == []


def test_a_policy_reads_the_same_as_text_url_encoded_or_parsed() -> None:
    document = {"Version": "2012-10-17", "Statement": STATEMENT}
    text = json.dumps(document)
    expected = [{"Effect": ["Deny"], "Action": ["s3:*"], "Resource": [["a"], ["b"]]}]

    # A single statement counts as a list of one; Sids are names, not permissions.
    assert policy(text) == expected
    assert policy(quote(text)) == expected  # IAM returns its documents URL-encoded
    assert policy(document) == expected


def test_statements_compare_regardless_of_order() -> None:
    allow = {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "*"}
    one = {"Statement": [STATEMENT, allow]}
    other = {"Statement": [allow, {**STATEMENT, "Sid": "Renamed"}]}

    assert policy(one) == policy(other)
    assert policy(one) != policy({"Statement": [allow]})


def test_no_policy_is_none_however_the_api_says_it() -> None:
    assert policy(None) is None
    assert policy("") is None


def test_tags_and_nested_blocks_read_as_the_plan_has_them() -> None:
    assert tag_list([{"Key": "GitCommit", "Value": "abc"}]) == {"GitCommit": "abc"}
    assert tag_list([{"key": "a", "value": "b"}], key="key", value="value") == {"a": "b"}
    assert first({"versioning": [{"enabled": True}]}, "versioning") == {"enabled": True}
    assert first({"versioning": []}, "versioning") == {}
    assert first({}, "versioning") == {}
