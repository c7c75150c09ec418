"""Readers of EventBridge, Lambda, IAM, CloudWatch Logs and alarms, KMS, SQS and SNS resources."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from harness.checks import Check
from harness.readers.base import (
    Clients,
    PlannedResource,
    Values,
    first,
    policy,
    reads,
    same,
    tag_list,
    tags,
)

if TYPE_CHECKING:
    from mypy_boto3_sqs.literals import QueueAttributeNameType

# --- EventBridge ------------------------------------------------------------------------------


@reads("aws_cloudwatch_event_rule")
def _rule(resource: PlannedResource, clients: Clients) -> Iterator[Check]:
    found = clients.events.describe_rule(Name=resource.values["name"])
    yield Check(resource.address, "state", resource.values["state"], found.get("State"))
    yield Check(
        resource.address,
        "event_pattern",
        json.loads(resource.values["event_pattern"]),
        json.loads(found.get("EventPattern", "null")),
    )
    found_tags = clients.events.list_tags_for_resource(ResourceARN=found["Arn"]).get("Tags", [])
    yield from tags(resource, tag_list(found_tags))


@reads("aws_cloudwatch_event_target")
def _target(resource: PlannedResource, clients: Clients) -> Iterator[Check]:
    targets = clients.events.list_targets_by_rule(Rule=resource.values["rule"])["Targets"]
    found: Values = next((t for t in targets if t["Id"] == resource.values["target_id"]), {})
    yield Check(resource.address, "arn", resource.values["arn"], found.get("Arn"))
    for block, api_block, fields in (
        ("retry_policy", "RetryPolicy", (
            ("maximum_event_age_in_seconds", "MaximumEventAgeInSeconds"),
            ("maximum_retry_attempts", "MaximumRetryAttempts"),
        )),
        ("dead_letter_config", "DeadLetterConfig", (("arn", "Arn"),)),
    ):  # fmt: skip
        expected_block = first(resource.values, block)
        for attribute, api_name in fields:
            if expected_block.get(attribute) is not None:
                yield Check(
                    resource.address,
                    f"{block}.{attribute}",
                    expected_block[attribute],
                    found.get(api_block, {}).get(api_name),
                )


# --- Lambda -----------------------------------------------------------------------------------


@reads("aws_lambda_function")
def _function(resource: PlannedResource, clients: Clients) -> Iterator[Check]:
    """The code is not read here: verify compares it with the zip built from this commit."""
    values, address = resource.values, resource.address
    found = clients.awslambda.get_function(FunctionName=values["function_name"])
    config = found["Configuration"]
    yield from same(
        resource,
        config,
        (
            ("runtime", "Runtime"),
            ("handler", "Handler"),
            ("role", "Role"),
            ("memory_size", "MemorySize"),
            ("timeout", "Timeout"),
            ("architectures", "Architectures"),
            ("description", "Description"),
        ),
    )
    yield Check(address, "kms_key_arn", values.get("kms_key_arn") or None, config.get("KMSKeyArn"))
    expected_env = first(values, "environment").get("variables") or {}
    yield Check(
        address, "environment", expected_env, config.get("Environment", {}).get("Variables")
    )
    yield Check(
        address,
        "ephemeral_storage.size",
        first(values, "ephemeral_storage").get("size"),
        config.get("EphemeralStorage", {}).get("Size"),
    )
    yield Check(
        address,
        "tracing_config.mode",
        first(values, "tracing_config").get("mode"),
        config.get("TracingConfig", {}).get("Mode"),
    )
    logging_config = config.get("LoggingConfig", {})
    for attribute, api_name in (
        ("log_format", "LogFormat"),
        ("log_group", "LogGroup"),
        ("application_log_level", "ApplicationLogLevel"),
        ("system_log_level", "SystemLogLevel"),
    ):
        expected = first(values, "logging_config").get(attribute) or None
        yield Check(address, f"logging_config.{attribute}", expected, logging_config.get(api_name))
    reserved = values.get("reserved_concurrent_executions", -1)
    yield Check(
        address,
        "reserved_concurrent_executions",
        None if reserved == -1 else reserved,  # -1: no reservation
        found.get("Concurrency", {}).get("ReservedConcurrentExecutions"),
    )
    yield from tags(resource, found.get("Tags", {}))


@reads("aws_lambda_permission")
def _permission(resource: PlannedResource, clients: Clients) -> Iterator[Check]:
    document = json.loads(
        clients.awslambda.get_policy(FunctionName=resource.values["function_name"])["Policy"]
    )
    statement: dict[str, Any] = next(
        (s for s in document["Statement"] if s.get("Sid") == resource.values["statement_id"]), {}
    )
    principal = statement.get("Principal", {})
    yield Check(
        resource.address,
        "source_arn",
        resource.values["source_arn"],
        statement.get("Condition", {}).get("ArnLike", {}).get("AWS:SourceArn"),
    )
    yield Check(
        resource.address,
        "principal",
        resource.values["principal"],
        principal.get("Service") if isinstance(principal, Mapping) else principal,
    )
    yield Check(resource.address, "action", resource.values["action"], statement.get("Action"))


@reads("aws_lambda_function_event_invoke_config")
def _invoke_config(resource: PlannedResource, clients: Clients) -> Iterator[Check]:
    values = resource.values
    found = clients.awslambda.get_function_event_invoke_config(FunctionName=values["function_name"])
    yield from same(
        resource,
        found,
        (
            ("maximum_retry_attempts", "MaximumRetryAttempts"),
            ("maximum_event_age_in_seconds", "MaximumEventAgeInSeconds"),
        ),
    )
    yield Check(
        resource.address,
        "on_failure.destination",
        first(first(values, "destination_config"), "on_failure").get("destination"),
        found.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination"),
    )


@reads("aws_lambda_function_recursion_config")
def _recursion(resource: PlannedResource, clients: Clients) -> Iterator[Check]:
    found = clients.awslambda.get_function_recursion_config(
        FunctionName=resource.values["function_name"]
    )
    yield from same(resource, found, (("recursive_loop", "RecursiveLoop"),))


# --- IAM --------------------------------------------------------------------------------------


@reads("aws_iam_role")
def _role(resource: PlannedResource, clients: Clients) -> Iterator[Check]:
    name, address = resource.values["name"], resource.address
    found = clients.iam.get_role(RoleName=name)["Role"]
    yield Check(
        address,
        "assume_role_policy",
        policy(resource.values["assume_role_policy"]),
        policy(found["AssumeRolePolicyDocument"]),
    )
    attached = clients.iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
    yield Check(
        address,
        "managed_policy_arns",
        sorted(resource.values.get("managed_policy_arns") or []),
        sorted(attached_policy["PolicyArn"] for attached_policy in attached),
    )
    yield from tags(resource, tag_list(found.get("Tags", [])))


@reads("aws_iam_role_policy")
def _role_policy(resource: PlannedResource, clients: Clients) -> Iterator[Check]:
    found = clients.iam.get_role_policy(
        RoleName=resource.values["role"], PolicyName=resource.values["name"]
    )
    yield Check(
        resource.address,
        "policy",
        policy(resource.values["policy"]),
        policy(found["PolicyDocument"]),
    )


# --- Logs, KMS, SQS, SNS, CloudWatch ----------------------------------------------------------


@reads("aws_cloudwatch_log_group")
def _log_group(resource: PlannedResource, clients: Clients) -> Iterator[Check]:
    name = resource.values["name"]
    groups = clients.logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]
    found: Values = next((g for g in groups if g["logGroupName"] == name), {})
    yield from same(resource, found, (("retention_in_days", "retentionInDays"),))
    yield Check(
        resource.address,
        "kms_key_id",
        resource.values.get("kms_key_id") or None,
        found.get("kmsKeyId"),
    )
    arn = resource.values["arn"].removesuffix(":*")
    yield from tags(resource, clients.logs.list_tags_for_resource(resourceArn=arn).get("tags", {}))


@reads("aws_kms_key")
def _key(resource: PlannedResource, clients: Clients) -> Iterator[Check]:
    key_id = resource.values["key_id"]
    rotation = clients.kms.get_key_rotation_status(KeyId=key_id)
    yield from same(resource, rotation, (("enable_key_rotation", "KeyRotationEnabled"),))
    found_policy = clients.kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"]
    yield Check(resource.address, "policy", policy(resource.values["policy"]), policy(found_policy))
    found_tags = clients.kms.list_resource_tags(KeyId=key_id).get("Tags", [])
    yield from tags(resource, tag_list(found_tags, key="TagKey", value="TagValue"))


@reads("aws_sqs_queue")
def _queue(resource: PlannedResource, clients: Clients) -> Iterator[Check]:
    url = resource.values["url"]
    found = clients.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    yield Check(
        resource.address,
        "kms_master_key_id",
        resource.values.get("kms_master_key_id") or None,
        found.get("KmsMasterKeyId"),
    )
    numbers: tuple[tuple[str, QueueAttributeNameType], ...] = (
        ("message_retention_seconds", "MessageRetentionPeriod"),
        ("visibility_timeout_seconds", "VisibilityTimeout"),
    )
    for attribute, api_name in numbers:
        # SQS answers with numbers as strings.
        found_number = found.get(api_name)
        yield Check(
            resource.address,
            attribute,
            resource.values[attribute],
            int(found_number) if found_number is not None else None,
        )
    yield from tags(resource, clients.sqs.list_queue_tags(QueueUrl=url).get("Tags", {}))


@reads("aws_sqs_queue_policy")
def _queue_policy(resource: PlannedResource, clients: Clients) -> Iterator[Check]:
    found = clients.sqs.get_queue_attributes(
        QueueUrl=resource.values["queue_url"], AttributeNames=["Policy"]
    )["Attributes"]
    yield Check(
        resource.address, "policy", policy(resource.values["policy"]), policy(found.get("Policy"))
    )


@reads("aws_sns_topic")
def _topic(resource: PlannedResource, clients: Clients) -> Iterator[Check]:
    arn = resource.values["arn"]
    found = clients.sns.get_topic_attributes(TopicArn=arn)["Attributes"]
    yield Check(
        resource.address,
        "kms_master_key_id",
        resource.values.get("kms_master_key_id") or None,
        found.get("KmsMasterKeyId"),
    )
    found_tags = clients.sns.list_tags_for_resource(ResourceArn=arn).get("Tags", [])
    yield from tags(resource, tag_list(found_tags))


@reads("aws_sns_topic_policy")
def _topic_policy(resource: PlannedResource, clients: Clients) -> Iterator[Check]:
    found = clients.sns.get_topic_attributes(TopicArn=resource.values["arn"])["Attributes"]
    yield Check(
        resource.address, "policy", policy(resource.values["policy"]), policy(found.get("Policy"))
    )


@reads("aws_cloudwatch_metric_alarm")
def _alarm(resource: PlannedResource, clients: Clients) -> Iterator[Check]:
    values, address = resource.values, resource.address
    alarms = clients.cloudwatch.describe_alarms(AlarmNames=[values["alarm_name"]])["MetricAlarms"]
    found: Values = alarms[0] if alarms else {}
    yield from same(
        resource,
        found,
        (
            ("alarm_description", "AlarmDescription"),
            ("actions_enabled", "ActionsEnabled"),
            ("metric_name", "MetricName"),
            ("namespace", "Namespace"),
            ("statistic", "Statistic"),
            ("period", "Period"),
            ("evaluation_periods", "EvaluationPeriods"),
            ("threshold", "Threshold"),
            ("comparison_operator", "ComparisonOperator"),
            ("treat_missing_data", "TreatMissingData"),
        ),
    )
    for attribute, api_name in (
        ("alarm_actions", "AlarmActions"),
        ("ok_actions", "OKActions"),
        ("insufficient_data_actions", "InsufficientDataActions"),
    ):
        yield Check(
            address, attribute, sorted(values.get(attribute) or []), sorted(found.get(api_name, []))
        )
    found_dimensions = {d["Name"]: d["Value"] for d in found.get("Dimensions", [])}
    yield Check(address, "dimensions", values.get("dimensions") or {}, found_dimensions)
    if found.get("AlarmArn"):
        listed = clients.cloudwatch.list_tags_for_resource(ResourceARN=found["AlarmArn"])
        yield from tags(resource, tag_list(listed.get("Tags", [])))
