"""Prove that what is deployed is what the code says: read every resource back through the API.

The expected values are the configuration's, as Terraform plans them without refreshing
(`plan -refresh=false`: the code applied to the recorded state, blind to changes made by hand);
the found values come from the AWS API, never from Terraform. Each resource type we deploy has a
reader that names the attributes worth proving; a type without one is reported, not ignored.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from harness.cli import add_target_arguments
from harness.drift import Excuse
from harness.package import code_sha256
from harness.pipeline import OutcomeTimeout, Pipeline
from harness.stack import Stack
from harness.terraform import TerraformError
from providers.aws import RealAWS
from providers.base import Connection, TargetError
from providers.ministack import MiniStack

Values = Mapping[str, Any]


@dataclass(frozen=True)
class Check:
    resource: str
    attribute: str
    expected: object
    found: object

    @property
    def ok(self) -> bool:
        return self.expected == self.found


@dataclass(frozen=True)
class PlannedResource:
    address: str
    type: str
    values: Values


def planned_resources(plan: Mapping[str, Any]) -> list[PlannedResource]:
    """Every managed resource in a plan's planned_values, child modules included."""
    found: list[PlannedResource] = []

    def walk(module: Mapping[str, Any]) -> None:
        found.extend(
            PlannedResource(resource["address"], resource["type"], resource["values"])
            for resource in module.get("resources", [])
            if resource.get("mode") == "managed"
        )
        for child in module.get("child_modules", []):
            walk(child)

    walk(plan.get("planned_values", {}).get("root_module", {}))
    return found


class Clients:
    """boto3 clients of one connection, made on first use."""

    def __init__(self, connection: Connection) -> None:
        self._session = connection.session()
        self._endpoint = connection.endpoint_url
        self._made: dict[str, Any] = {}

    def __getattr__(self, service: str) -> Any:
        if service.startswith("_"):
            raise AttributeError(service)
        if service not in self._made:
            name = "lambda" if service == "awslambda" else service  # `lambda` is a keyword
            self._made[service] = self._session.client(name, endpoint_url=self._endpoint)  # type: ignore[call-overload]
        return self._made[service]


Reader = Callable[[PlannedResource, Clients], Iterator[Check]]
READERS: dict[str, Reader] = {}


def reads(resource_type: str) -> Callable[[Reader], Reader]:
    def register(reader: Reader) -> Reader:
        READERS[resource_type] = reader
        return reader

    return register


def verify_resources(resources: list[PlannedResource], clients: Clients) -> list[Check]:
    checks: list[Check] = []
    for resource in resources:
        reader = READERS.get(resource.type)
        if reader is None:
            checks.append(Check(resource.address, "(no reader for this type)", "read", "not read"))
            continue
        try:
            checks.extend(reader(resource, clients))
        except ClientError as error:
            checks.append(Check(resource.address, "(read back)", "exists", _error_code(error)))
    return checks


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", error))


def policy(document: str | Mapping[str, Any] | None) -> object:
    """A policy document in a canonical form: parsed, single values as lists, statements sorted."""
    if document is None or document == "":
        return None
    parsed = json.loads(document) if isinstance(document, str) else dict(document)
    statements = parsed.get("Statement", [])
    if isinstance(statements, Mapping):
        statements = [statements]
    canonical = [_canonical(statement) for statement in statements]
    return sorted(canonical, key=lambda statement: json.dumps(statement, sort_keys=True))


def _canonical(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {key: _canonical(item) for key, item in value.items() if key != "Sid"}
    if isinstance(value, list):
        items = [_canonical(item) for item in value]
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
    return [value] if isinstance(value, str) else value


def tag_checks(resource: PlannedResource, found_tags: Mapping[str, str]) -> Iterator[Check]:
    expected = resource.values.get("tags_all") or {}
    for name in sorted(expected):
        yield Check(resource.address, f"tag {name}", expected[name], found_tags.get(name))


# --- S3 ---------------------------------------------------------------------------------------


@reads("aws_s3_bucket")
def _bucket(resource: PlannedResource, clients: Clients) -> Iterator[Check]:
    bucket = resource.values["bucket"]
    clients.s3.head_bucket(Bucket=bucket)
    yield Check(resource.address, "exists", bucket, bucket)
    try:
        tags = clients.s3.get_bucket_tagging(Bucket=bucket).get("TagSet", [])
    except ClientError as error:
        if _error_code(error) != "NoSuchTagSet":
            raise
        tags = []
    yield from tag_checks(resource, {tag["Key"]: tag["Value"] for tag in tags})


@reads("aws_s3_bucket_versioning")
def _versioning(resource: PlannedResource, clients: Clients) -> Iterator[Check]:
    found = clients.s3.get_bucket_versioning(Bucket=resource.values["bucket"])
    expected = resource.values["versioning_configuration"][0]["status"]
    yield Check(resource.address, "versioning", expected, found.get("Status", "Disabled"))


@reads("aws_s3_bucket_public_access_block")
def _public_access(resource: PlannedResource, clients: Clients) -> Iterator[Check]:
    found = clients.s3.get_public_access_block(Bucket=resource.values["bucket"])[
        "PublicAccessBlockConfiguration"
    ]
    for attribute, api_name in (
        ("block_public_acls", "BlockPublicAcls"),
        ("block_public_policy", "BlockPublicPolicy"),
        ("ignore_public_acls", "IgnorePublicAcls"),
        ("restrict_public_buckets", "RestrictPublicBuckets"),
    ):
        yield Check(resource.address, attribute, resource.values[attribute], found.get(api_name))


@reads("aws_s3_bucket_ownership_controls")
def _ownership(resource: PlannedResource, clients: Clients) -> Iterator[Check]:
    found = clients.s3.get_bucket_ownership_controls(Bucket=resource.values["bucket"])
    rules = found["OwnershipControls"]["Rules"]
    expected = resource.values["rule"][0]["object_ownership"]
    yield Check(resource.address, "object_ownership", expected, rules[0]["ObjectOwnership"])


@reads("aws_s3_bucket_server_side_encryption_configuration")
def _encryption(resource: PlannedResource, clients: Clients) -> Iterator[Check]:
    found = clients.s3.get_bucket_encryption(Bucket=resource.values["bucket"])
    rule = found["ServerSideEncryptionConfiguration"]["Rules"][0]
    default = rule["ApplyServerSideEncryptionByDefault"]
    expected_rule = resource.values["rule"][0]
    expected_default = expected_rule["apply_server_side_encryption_by_default"][0]
    yield Check(
        resource.address,
        "sse_algorithm",
        expected_default["sse_algorithm"],
        default["SSEAlgorithm"],
    )
    if expected_default.get("kms_master_key_id"):
        yield Check(
            resource.address,
            "kms_master_key_id",
            expected_default["kms_master_key_id"],
            default.get("KMSMasterKeyID"),
        )
    if expected_rule.get("bucket_key_enabled") is not None:
        yield Check(
            resource.address,
            "bucket_key_enabled",
            expected_rule["bucket_key_enabled"],
            rule.get("BucketKeyEnabled", False),
        )


@reads("aws_s3_bucket_policy")
def _bucket_policy(resource: PlannedResource, clients: Clients) -> Iterator[Check]:
    found = clients.s3.get_bucket_policy(Bucket=resource.values["bucket"])["Policy"]
    yield Check(resource.address, "policy", policy(resource.values["policy"]), policy(found))


@reads("aws_s3_bucket_notification")
def _notification(resource: PlannedResource, clients: Clients) -> Iterator[Check]:
    found = clients.s3.get_bucket_notification_configuration(Bucket=resource.values["bucket"])
    yield Check(
        resource.address,
        "eventbridge",
        resource.values["eventbridge"],
        "EventBridgeConfiguration" in found,
    )


# --- EventBridge ------------------------------------------------------------------------------


@reads("aws_cloudwatch_event_rule")
def _rule(resource: PlannedResource, clients: Clients) -> Iterator[Check]:
    name = resource.values["name"]
    found = clients.events.describe_rule(Name=name)
    yield Check(resource.address, "state", resource.values["state"], found.get("State"))
    yield Check(
        resource.address,
        "event_pattern",
        json.loads(resource.values["event_pattern"]),
        json.loads(found.get("EventPattern", "null")),
    )
    tags = clients.events.list_tags_for_resource(ResourceARN=found["Arn"]).get("Tags", [])
    yield from tag_checks(resource, {tag["Key"]: tag["Value"] for tag in tags})


@reads("aws_cloudwatch_event_target")
def _target(resource: PlannedResource, clients: Clients) -> Iterator[Check]:
    targets = clients.events.list_targets_by_rule(Rule=resource.values["rule"])["Targets"]
    found = next((t for t in targets if t["Id"] == resource.values["target_id"]), None)
    yield Check(resource.address, "arn", resource.values["arn"], found and found["Arn"])
    if found is None:
        return
    for block, api_block, fields in (
        (
            "retry_policy",
            "RetryPolicy",
            (
                ("maximum_event_age_in_seconds", "MaximumEventAgeInSeconds"),
                ("maximum_retry_attempts", "MaximumRetryAttempts"),
            ),
        ),
        ("dead_letter_config", "DeadLetterConfig", (("arn", "Arn"),)),
    ):
        expected_block = (resource.values.get(block) or [{}])[0]
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
    values = resource.values
    found = clients.awslambda.get_function(FunctionName=values["function_name"])
    config = found["Configuration"]
    for attribute, api_name in (
        ("runtime", "Runtime"),
        ("handler", "Handler"),
        ("role", "Role"),
        ("memory_size", "MemorySize"),
        ("timeout", "Timeout"),
    ):
        yield Check(resource.address, attribute, values[attribute], config.get(api_name))
    yield Check(
        resource.address, "architectures", values["architectures"], config.get("Architectures")
    )
    yield Check(
        resource.address,
        "code (CodeSha256)",
        values["source_code_hash"],
        config.get("CodeSha256"),
    )
    expected_env = (values.get("environment") or [{}])[0].get("variables") or {}
    found_env = config.get("Environment", {}).get("Variables", {})
    yield Check(resource.address, "environment", expected_env, found_env)
    if values.get("kms_key_arn"):
        yield Check(resource.address, "kms_key_arn", values["kms_key_arn"], config.get("KMSKeyArn"))
    tracing = (values.get("tracing_config") or [{}])[0].get("mode")
    if tracing:
        yield Check(
            resource.address, "tracing_config", tracing, config.get("TracingConfig", {}).get("Mode")
        )
    logging_config = (values.get("logging_config") or [{}])[0]
    if logging_config.get("log_format"):
        yield Check(
            resource.address,
            "logging_config.log_format",
            logging_config["log_format"],
            config.get("LoggingConfig", {}).get("LogFormat"),
        )
    yield from tag_checks(resource, found.get("Tags", {}))


@reads("aws_lambda_permission")
def _permission(resource: PlannedResource, clients: Clients) -> Iterator[Check]:
    document = json.loads(
        clients.awslambda.get_policy(FunctionName=resource.values["function_name"])["Policy"]
    )
    statement: dict[str, Any] = next(
        (s for s in document["Statement"] if s.get("Sid") == resource.values["statement_id"]), {}
    )
    condition = statement.get("Condition", {}).get("ArnLike", {}).get("AWS:SourceArn")
    principal = statement.get("Principal", {})
    yield Check(resource.address, "source_arn", resource.values["source_arn"], condition)
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
    yield Check(
        resource.address,
        "maximum_retry_attempts",
        values["maximum_retry_attempts"],
        found.get("MaximumRetryAttempts"),
    )
    yield Check(
        resource.address,
        "maximum_event_age_in_seconds",
        values["maximum_event_age_in_seconds"],
        found.get("MaximumEventAgeInSeconds"),
    )
    expected_failure = (
        ((values.get("destination_config") or [{}])[0].get("on_failure") or [{}])[0]
    ).get("destination")
    yield Check(
        resource.address,
        "on_failure.destination",
        expected_failure,
        found.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination"),
    )


@reads("aws_lambda_function_recursion_config")
def _recursion(resource: PlannedResource, clients: Clients) -> Iterator[Check]:
    found = clients.awslambda.get_function_recursion_config(
        FunctionName=resource.values["function_name"]
    )
    yield Check(
        resource.address,
        "recursive_loop",
        resource.values["recursive_loop"],
        found.get("RecursiveLoop"),
    )


# --- IAM --------------------------------------------------------------------------------------


@reads("aws_iam_role")
def _role(resource: PlannedResource, clients: Clients) -> Iterator[Check]:
    found = clients.iam.get_role(RoleName=resource.values["name"])["Role"]
    document = found["AssumeRolePolicyDocument"]
    yield Check(
        resource.address,
        "assume_role_policy",
        policy(resource.values["assume_role_policy"]),
        policy(document if isinstance(document, Mapping) else _unquote(document)),
    )
    attached = clients.iam.list_attached_role_policies(RoleName=resource.values["name"])
    yield Check(
        resource.address,
        "managed_policy_arns",
        sorted(resource.values.get("managed_policy_arns") or []),
        sorted(policy["PolicyArn"] for policy in attached["AttachedPolicies"]),
    )
    inline = clients.iam.list_role_policies(RoleName=resource.values["name"])["PolicyNames"]
    expected_inline = sorted(p["name"] for p in resource.values.get("inline_policy") or [])
    if expected_inline:
        yield Check(resource.address, "inline policy names", expected_inline, sorted(inline))
    tags = found.get("Tags", [])
    yield from tag_checks(resource, {tag["Key"]: tag["Value"] for tag in tags})


@reads("aws_iam_role_policy")
def _role_policy(resource: PlannedResource, clients: Clients) -> Iterator[Check]:
    found = clients.iam.get_role_policy(
        RoleName=resource.values["role"], PolicyName=resource.values["name"]
    )
    document = found["PolicyDocument"]
    yield Check(
        resource.address,
        "policy",
        policy(resource.values["policy"]),
        policy(document if isinstance(document, Mapping) else _unquote(document)),
    )


def _unquote(document: str) -> str:
    from urllib.parse import unquote  # noqa: PLC0415  (IAM may return URL-encoded documents)

    return unquote(document) if document.startswith("%7B") else document


# --- Logs -------------------------------------------------------------------------------------


@reads("aws_cloudwatch_log_group")
def _log_group(resource: PlannedResource, clients: Clients) -> Iterator[Check]:
    name = resource.values["name"]
    groups = clients.logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]
    found: dict[str, Any] = next((g for g in groups if g["logGroupName"] == name), {})
    yield Check(
        resource.address,
        "retention_in_days",
        resource.values["retention_in_days"],
        found.get("retentionInDays"),
    )
    if resource.values.get("kms_key_id"):
        yield Check(
            resource.address, "kms_key_id", resource.values["kms_key_id"], found.get("kmsKeyId")
        )
    arn = resource.values["arn"].removesuffix(":*")
    tags = clients.logs.list_tags_for_resource(resourceArn=arn).get("tags", {})
    yield from tag_checks(resource, tags)


# --- KMS, SQS, SNS, CloudWatch ----------------------------------------------------------------


@reads("aws_kms_key")
def _key(resource: PlannedResource, clients: Clients) -> Iterator[Check]:
    key_id = resource.values["key_id"]
    rotation = clients.kms.get_key_rotation_status(KeyId=key_id)
    yield Check(
        resource.address,
        "enable_key_rotation",
        resource.values["enable_key_rotation"],
        rotation.get("KeyRotationEnabled"),
    )
    found_policy = clients.kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"]
    yield Check(resource.address, "policy", policy(resource.values["policy"]), policy(found_policy))
    tags = clients.kms.list_resource_tags(KeyId=key_id).get("Tags", [])
    yield from tag_checks(resource, {tag["TagKey"]: tag["TagValue"] for tag in tags})


@reads("aws_sqs_queue")
def _queue(resource: PlannedResource, clients: Clients) -> Iterator[Check]:
    url = resource.values["url"]
    found = clients.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    yield Check(
        resource.address,
        "kms_master_key_id",
        resource.values.get("kms_master_key_id"),
        found.get("KmsMasterKeyId"),
    )
    yield Check(
        resource.address,
        "message_retention_seconds",
        resource.values["message_retention_seconds"],
        int(found.get("MessageRetentionPeriod", -1)),
    )
    tags = clients.sqs.list_queue_tags(QueueUrl=url).get("Tags", {})
    yield from tag_checks(resource, tags)


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
    tags = clients.sns.list_tags_for_resource(ResourceArn=arn).get("Tags", [])
    yield from tag_checks(resource, {tag["Key"]: tag["Value"] for tag in tags})


@reads("aws_sns_topic_policy")
def _topic_policy(resource: PlannedResource, clients: Clients) -> Iterator[Check]:
    found = clients.sns.get_topic_attributes(TopicArn=resource.values["arn"])["Attributes"]
    yield Check(
        resource.address, "policy", policy(resource.values["policy"]), policy(found.get("Policy"))
    )


@reads("aws_cloudwatch_metric_alarm")
def _alarm(resource: PlannedResource, clients: Clients) -> Iterator[Check]:
    values = resource.values
    alarms = clients.cloudwatch.describe_alarms(AlarmNames=[values["alarm_name"]])["MetricAlarms"]
    found = alarms[0] if alarms else {}
    for attribute, api_name in (
        ("metric_name", "MetricName"),
        ("namespace", "Namespace"),
        ("threshold", "Threshold"),
        ("comparison_operator", "ComparisonOperator"),
        ("evaluation_periods", "EvaluationPeriods"),
        ("statistic", "Statistic"),
    ):
        if values.get(attribute) is not None:
            yield Check(resource.address, attribute, values[attribute], found.get(api_name))
    yield Check(
        resource.address,
        "alarm_actions",
        sorted(values.get("alarm_actions") or []),
        sorted(found.get("AlarmActions", [])),
    )


@reads("aws_s3_bucket_lifecycle_configuration")
def _lifecycle(resource: PlannedResource, clients: Clients) -> Iterator[Check]:
    found = clients.s3.get_bucket_lifecycle_configuration(Bucket=resource.values["bucket"])
    rules = {rule.get("ID"): rule for rule in found.get("Rules", [])}
    for rule in resource.values["rule"]:
        found_rule = rules.get(rule["id"], {})
        yield Check(
            resource.address, f"rule {rule['id']} status", rule["status"], found_rule.get("Status")
        )


@reads("aws_s3_bucket_logging")
def _logging(resource: PlannedResource, clients: Clients) -> Iterator[Check]:
    found = clients.s3.get_bucket_logging(Bucket=resource.values["bucket"]).get(
        "LoggingEnabled", {}
    )
    yield Check(
        resource.address,
        "target_bucket",
        resource.values["target_bucket"],
        found.get("TargetBucket"),
    )
    yield Check(
        resource.address,
        "target_prefix",
        resource.values["target_prefix"],
        found.get("TargetPrefix"),
    )


def read_all(plan: Mapping[str, Any], connection: Connection) -> list[Check]:
    return verify_resources(planned_resources(plan), Clients(connection))


# --- the whole verification ---------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    target: str
    region: str
    commit: str
    checks: list[Check]
    resources: list[PlannedResource]

    @property
    def failures(self) -> list[Check]:
        return [check for check in self.checks if not check.ok]

    def lines(self) -> Iterator[str]:
        width = max((len(check.resource) for check in self.checks), default=10)
        for check in self.checks:
            mark = "ok  " if check.ok else "FAIL"
            yield (
                f"{mark} {check.resource:<{width}}  {check.attribute}: "
                f"expected {_short(check.expected)}, found {_short(check.found)}"
            )
        yield (
            f"verify: {len(self.checks)} checks on {len(self.resources)} resources of "
            f"{self.target} at commit {self.commit[:12]}: {len(self.failures)} failed"
        )


def _short(value: object, limit: int = 120) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def verify(
    stack: Stack,
    *,
    target_name: str,
    excuses: Collection[Excuse] = (),
    probe: Pipeline | None = None,
    expected_plan: Mapping[str, Any] | None = None,
) -> Report:
    """Every check of `make verify` on a prepared stack: drift, inventory, artifact, probe.

    `expected_plan` (the configuration's planned values) can be passed in when it is known not
    to have changed, to save a plan.
    """
    if expected_plan is None:
        expected_plan = stack.terraform.plan_json(refresh=False)
    resources = planned_resources(expected_plan)
    checks = verify_resources(resources, Clients(stack.connection))

    unexplained, _excused = stack.drift(excuses)
    checks.append(
        Check(
            "terraform plan",
            "changes (drift)",
            [],
            [change.describe() for change in unexplained],
        )
    )

    function = next(r for r in resources if r.type == "aws_lambda_function")
    deployed = Clients(stack.connection).awslambda.get_function_configuration(
        FunctionName=function.values["function_name"]
    )
    checks.append(
        Check(
            function.address,
            "artifact: CodeSha256 = zip built from this commit",
            code_sha256(stack.zip_path),
            deployed.get("CodeSha256"),
        )
    )
    if probe is not None:
        checks.append(live_probe(probe, function.address))
    return Report(
        target_name, stack.connection.region, str(stack.variables["git_commit"]), checks, resources
    )


PROBE_INPUT = b"probe|check\n20|22\n"
PROBE_OUTPUT = PROBE_INPUT + b"42\n"


def live_probe(pipeline: Pipeline, resource: str, timeout: float = 60.0) -> Check:
    """Drop a uniquely named file, wait for its output, compare, remove both."""
    key = f"verify-probe-{uuid.uuid4().hex[:12]}.txt"
    dropped_at = time.time()
    pipeline.drop(key, PROBE_INPUT)
    try:
        outcome = pipeline.wait_for_outcome(key, timeout=timeout, since=dropped_at)
        found: object = outcome.body.decode(errors="replace")
    except OutcomeTimeout as timeout_error:
        found = str(timeout_error)
    finally:
        pipeline.remove(key)
    return Check(resource, "live probe: output of a dropped file", PROBE_OUTPUT.decode(), found)


def sandbox_report(*, probe: bool) -> Report | None:
    """Verify the developer sandbox; None (with the reason printed) when it can't be reached."""
    from harness import cli  # noqa: PLC0415  (the sandbox's layout lives there)

    emulator = MiniStack.attach(cli.SANDBOX)
    if emulator is None:
        print("No sandbox is running: `make up` (or `make demo`) first.")
        return None
    stack, connection = cli.sandbox_stack(emulator)
    try:
        stack.prepare()
        return verify(
            stack,
            target_name=f"{emulator.name} at {emulator.endpoint_url}",
            excuses=emulator.plan_drift_excuses,
            probe=Pipeline(stack.outputs(), connection) if probe else None,
        )
    except (TargetError, TerraformError) as error:
        print(f"error: {error}")
        return None


def aws_report(*, probe: bool, var_file: Path) -> Report | None:
    """Verify a real environment deployed from terraform/ with its S3 backend."""
    try:
        connection = RealAWS().start()
        stack = Stack.deployed_from_root(connection, var_file=var_file)
        stack.prepare()
        return verify(
            stack,
            target_name=f"aws ({connection.region}, {var_file.stem})",
            probe=Pipeline(stack.outputs(), connection) if probe else None,
        )
    except (TargetError, TerraformError) as error:
        print(f"error: {error}")
        return None


def report_for(args: argparse.Namespace) -> Report | None:
    if args.target == "aws":
        return aws_report(probe=not args.no_probe, var_file=args.var_file)
    return sandbox_report(probe=not args.no_probe)


def arguments(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--no-probe", action="store_true", help="skip the live probe")
    add_target_arguments(parser, ("ministack", "aws"))
    return parser


def main(argv: list[str] | None = None) -> int:
    args = arguments("Prove the deployment is what the code says.").parse_args(argv)
    report = report_for(args)
    if report is None:
        return 1
    for line in report.lines():
        print(line)
    return 0 if not report.failures else 1


if __name__ == "__main__":
    sys.exit(main())
