"""What real AWS would allow and refuse, decided by a real IAM engine over the rendered policies.

The emulator evaluates the function role's identity policies and the bucket policies, but never a
KMS key policy, an SQS or SNS policy for a service principal, or the deploy roles' policies. Here
@cloud-copilot/iam-simulate (tests/support/iam_simulate.py, decision 12) decides every call the
pipeline's services and roles make, each with the request context the named AWS page documents
for it, over the policies Terraform rendered: the deployed stack's state (`terraform show -json`)
and a plan of terraform/bootstrap on the same emulator. No policy is written here.

Lambda's function policy is the one document not in the state: AddPermission renders it from the
permission's principal, action and source ARN as one statement with ArnLike AWS:SourceArn (Lambda
Developer Guide, access-control-resource-based), which `_function_policy` does from the state.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hcl2
import pytest

from harness.stack import Stack
from harness.terraform import TERRAFORM_ROOT, Terraform
from kit.paths import REPO_ROOT
from providers import Connection, Target
from tests.support.iam_simulate import Decision, Request, decide
from tests.support.rendered import Rendered

ALLOWED = "Allowed"
IMPLICIT = "ImplicitlyDenied"
EXPLICIT = "ExplicitlyDenied"
OTHER_ACCOUNT = "999988887777"

# The AWS pages that document each call's principal and request context.
DOC_LOGS_KMS = "https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html"
DOC_EVENTBRIDGE_DLQ = "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html"
DOC_SQS_KMS = "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html"
DOC_ALARM_SNS = (
    "https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Notify_Users_Alarm_Changes.html"
)
DOC_SNS_KMS = "https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html"
DOC_S3_ACCESS_LOGS = (
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/enable-server-access-logging.html"
)
DOC_EVENTBRIDGE_LAMBDA = (
    "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html"
)
DOC_LAMBDA_ROLE = "https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html"
DOC_S3_SSE_KMS = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html"
DOC_S3_TLS = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html"
DOC_S3_TLS_VERSION = "https://docs.aws.amazon.com/AmazonS3/latest/API/amazons3-policy-keys.html"
DOC_SNS_TLS = "https://docs.aws.amazon.com/sns/latest/dg/sns-security-best-practices.html"
DOC_LAMBDA_DESTINATIONS = (
    "https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html"
)
DOC_KMS_TAGS = "https://docs.aws.amazon.com/kms/latest/developerguide/abac.html"
DOC_KMS_CREATE = "https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateKey.html"
DOC_KMS_TAG_ON_CREATE = "https://docs.aws.amazon.com/kms/latest/developerguide/tag-permissions.html"
DOC_KMS_KEY_POLICY = "https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html"
DOC_S3_ACTIONS = (
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html"
)
DOC_IAM_BOUNDARY = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html"
)


@dataclass(frozen=True)
class Row:
    """One call, the page that documents its request context, and what AWS must decide."""

    request: Request
    documented_by: str
    expected: str


# --------------------------------------------------------------------------------------------
# The rendered policies
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pipeline:
    """The names and rendered policies of the deployed stack."""

    account: str
    region: str
    key_arn: str
    key_policy: dict[str, Any]
    source_bucket: str
    destination_bucket: str
    log_bucket: str
    bucket_policies: dict[str, dict[str, Any]]
    event_dlq_arn: str
    event_dlq_policy: dict[str, Any]
    failure_queue_arn: str
    failure_queue_policy: dict[str, Any]
    topic_arn: str
    topic_policy: dict[str, Any]
    rule_arn: str
    alarm_arn: str
    function_arn: str
    function_policy: dict[str, Any]
    role_arn: str
    role_policies: dict[str, dict[str, Any]]
    log_group_arn: str


def _function_policy(state: Rendered) -> dict[str, Any]:
    permission = state.values("aws_lambda_permission.eventbridge")
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": permission["statement_id"],
                "Effect": "Allow",
                "Principal": {"Service": permission["principal"]},
                "Action": permission["action"],
                "Resource": state.attribute("module.function.aws_lambda_function.this", "arn"),
                "Condition": {"ArnLike": {"AWS:SourceArn": permission["source_arn"]}},
            }
        ],
    }


@pytest.fixture(scope="module")
def pipeline(stack: Stack) -> Pipeline:
    state = Rendered(json.loads(stack.terraform.run("show", "-json", "-no-color").stdout))
    buckets = {
        name: state.attribute(f"{module}.aws_s3_bucket.this", "bucket")
        for name, module in (
            ("source", "module.source_bucket"),
            ("destination", "module.destination_bucket"),
            ("logs", "module.access_log_bucket[0]"),
        )
    }
    rule_arn = state.attribute("aws_cloudwatch_event_rule.object_created", "arn")
    role_policies = {
        address.rsplit(".", 1)[-1]: state.policy(address)
        for address in state.by_address
        if address.startswith("module.function.aws_iam_role_policy.")
    }
    return Pipeline(
        account=state.attribute("data.aws_caller_identity.current", "account_id"),
        region=state.attribute("data.aws_region.current", "name")
        if "data.aws_region.current" in state.by_address
        else stack.connection.region,
        key_arn=state.attribute("aws_kms_key.this", "arn"),
        key_policy=state.policy("aws_kms_key.this"),
        source_bucket=buckets["source"],
        destination_bucket=buckets["destination"],
        log_bucket=buckets["logs"],
        bucket_policies={
            buckets[name]: state.policy(f"{module}.aws_s3_bucket_policy.this")
            for name, module in (
                ("source", "module.source_bucket"),
                ("destination", "module.destination_bucket"),
                ("logs", "module.access_log_bucket[0]"),
            )
        },
        event_dlq_arn=state.attribute("aws_sqs_queue.event_dlq", "arn"),
        event_dlq_policy=state.policy("aws_sqs_queue_policy.event_dlq"),
        failure_queue_arn=state.attribute("aws_sqs_queue.function_failure", "arn"),
        failure_queue_policy=state.policy("aws_sqs_queue_policy.function_failure"),
        topic_arn=state.attribute("aws_sns_topic.this", "arn"),
        topic_policy=state.policy("aws_sns_topic_policy.this"),
        rule_arn=rule_arn,
        alarm_arn=state.attribute(
            'aws_cloudwatch_metric_alarm.this["rule-dlq-delivery-failures"]', "arn"
        ),
        function_arn=state.attribute("module.function.aws_lambda_function.this", "arn"),
        function_policy=_function_policy(state),
        role_arn=state.attribute("module.function.aws_iam_role.this", "arn"),
        role_policies=role_policies,
        log_group_arn=state.attribute("module.function.aws_cloudwatch_log_group.this", "arn"),
    )


@dataclass(frozen=True)
class DeployRoles:
    """CI's roles, as terraform/bootstrap plans them, and the stack's key policy as prod's
    variables render it for them."""

    account: str
    region: str
    plan_role_arn: str
    plan_policies: dict[str, dict[str, Any]]
    apply_role_arn: str
    apply_policies: dict[str, dict[str, Any]]
    boundary_arn: str
    boundary_policy: dict[str, Any]
    state_key_arn: str
    state_key_policy: dict[str, Any]
    state_object_arn: str
    stack_key_policy: dict[str, Any]


#: Stands for the state key's ARN, which the plan would know only after apply: the policies that
#: name it are otherwise rendered as they are.
STATE_KEY_ID = "5ta7e0k3-0000-4000-8000-000000000000"


@pytest.fixture(scope="module")
def deploy_roles(
    target: Target,
    connection: Connection,
    stack: Stack,
    tmp_path_factory: pytest.TempPathFactory,
) -> DeployRoles:
    """A plan of terraform/bootstrap against the emulator, its policies known at plan; and a plan
    of the test stack with prod's deploy roles (envs/prod.tfvars) in its key policy."""
    account = connection.session().client("sts", endpoint_url=connection.endpoint_url)
    account_id = account.get_caller_identity()["Account"]
    state_key_arn = f"arn:aws:kms:{connection.region}:{account_id}:key/{STATE_KEY_ID}"
    workdir = tmp_path_factory.mktemp("bootstrap") / "bootstrap"
    shutil.copytree(
        TERRAFORM_ROOT / "bootstrap",
        workdir,
        ignore=shutil.ignore_patterns(".terraform", "*.tfstate*", "tests", "*_override.tf"),
    )
    (workdir / "simulation.auto.tfvars.json").write_text(
        json.dumps({"github_repository": "octo-org/pipesum", "region": connection.region})
    )
    (workdir / "simulation_override.tf").write_text(
        f'locals {{\n  state_key_arn = "{state_key_arn}"\n}}\n'
    )
    terraform = Terraform(workdir, connection.environment(), target.terraform_command)
    terraform.init()
    plan = Rendered(terraform.plan_json(), planned=True)
    # python-hcl2 keeps the quotes of string literals: each is a JSON string.
    prod = hcl2.loads((TERRAFORM_ROOT / "envs" / "prod.tfvars").read_text())
    readers = [json.loads(name) for name in prod["key_reader_role_names"]]
    stack_plan = Rendered(
        stack.terraform.plan_json(
            refresh=False,
            variables=[
                f"key_administrator_role_name={json.loads(prod['key_administrator_role_name'])}",
                f"key_reader_role_names={json.dumps(readers)}",
            ],
        ),
        planned=True,
    )
    boundary_name = plan.attribute("aws_iam_policy.stack_role_boundary", "name")
    read = plan.policy("aws_iam_policy.github_read")
    state_bucket = plan.attribute("aws_s3_bucket.this", "bucket")
    return DeployRoles(
        account=account_id,
        region=connection.region,
        plan_role_arn=f"arn:aws:iam::{account_id}:role/"
        + plan.attribute("aws_iam_role.github_plan", "name"),
        plan_policies={"github-read": read},
        apply_role_arn=f"arn:aws:iam::{account_id}:role/"
        + plan.attribute("aws_iam_role.github_apply", "name"),
        apply_policies={
            "github-read": read,
            "github-apply": plan.policy("aws_iam_policy.github_apply"),
            "github-apply-keys": plan.policy("aws_iam_policy.github_apply_keys"),
        },
        boundary_arn=f"arn:aws:iam::{account_id}:policy/{boundary_name}",
        boundary_policy=plan.policy("aws_iam_policy.stack_role_boundary"),
        state_key_arn=state_key_arn,
        state_key_policy=plan.policy("aws_kms_key.this"),
        state_object_arn=f"arn:aws:s3:::{state_bucket}/pipesum/prod/terraform.tfstate",
        stack_key_policy=stack_plan.policy("aws_kms_key.this"),
    )


# --------------------------------------------------------------------------------------------
# The calls
# --------------------------------------------------------------------------------------------


def _tls(context: Mapping[str, str | list[str]] | None = None) -> dict[str, str | list[str]]:
    return {"aws:SecureTransport": "true", **(context or {})}


def service_rows(p: Pipeline) -> list[Row]:
    """AWS services acting for the pipeline, and the same calls from where they must be refused."""
    rows: list[Row] = []

    def row(
        id_: str,
        principal: str,
        action: str,
        resource: str,
        context: Mapping[str, str | list[str]],
        policy: dict[str, Any],
        doc: str,
        expected: str,
    ) -> None:
        rows.append(
            Row(
                Request(
                    id=id_,
                    principal=principal,
                    action=action,
                    resource=resource,
                    resource_account=p.account,
                    context=context,
                    resource_policy=policy,
                ),
                doc,
                expected,
            )
        )

    logs = f"logs.{p.region}.amazonaws.com"
    other_log_group = p.log_group_arn.rsplit(":", 1)[0] + ":/aws/lambda/someone-else"
    for action in ("kms:Encrypt", "kms:GenerateDataKey", "kms:Decrypt", "kms:DescribeKey"):
        context = (
            {}
            if action == "kms:DescribeKey"
            else {"kms:EncryptionContext:aws:logs:arn": p.log_group_arn}
        )
        expected = IMPLICIT if action == "kms:DescribeKey" else ALLOWED
        # DescribeKey carries no encryption context: the key policy's condition refuses it.
        row(
            f"logs {action} for the log group",
            logs,
            action,
            p.key_arn,
            context,
            p.key_policy,
            DOC_LOGS_KMS,
            expected,
        )
    row(
        "logs kms:GenerateDataKey for another log group",
        logs,
        "kms:GenerateDataKey",
        p.key_arn,
        {"kms:EncryptionContext:aws:logs:arn": other_log_group},
        p.key_policy,
        DOC_LOGS_KMS,
        IMPLICIT,
    )

    events = "events.amazonaws.com"
    other_rule = p.rule_arn.rsplit("/", 1)[0] + "/another-rule"
    rule_context = {"aws:SourceArn": p.rule_arn, "aws:SourceAccount": p.account}
    row(
        "EventBridge sqs:SendMessage to the DLQ for the rule",
        events,
        "sqs:SendMessage",
        p.event_dlq_arn,
        _tls(rule_context),
        p.event_dlq_policy,
        DOC_EVENTBRIDGE_DLQ,
        ALLOWED,
    )
    row(
        "EventBridge sqs:SendMessage to the DLQ for another rule",
        events,
        "sqs:SendMessage",
        p.event_dlq_arn,
        _tls({"aws:SourceArn": other_rule, "aws:SourceAccount": p.account}),
        p.event_dlq_policy,
        DOC_EVENTBRIDGE_DLQ,
        IMPLICIT,
    )
    row(
        "EventBridge sqs:SendMessage to the DLQ for a rule of another account",
        events,
        "sqs:SendMessage",
        p.event_dlq_arn,
        _tls(
            {
                "aws:SourceArn": p.rule_arn.replace(p.account, OTHER_ACCOUNT),
                "aws:SourceAccount": OTHER_ACCOUNT,
            }
        ),
        p.event_dlq_policy,
        DOC_EVENTBRIDGE_DLQ,
        IMPLICIT,
    )
    row(
        "EventBridge sqs:SendMessage to the DLQ over plain HTTP",
        events,
        "sqs:SendMessage",
        p.event_dlq_arn,
        {"aws:SecureTransport": "false", **rule_context},
        p.event_dlq_policy,
        DOC_EVENTBRIDGE_DLQ,
        EXPLICIT,
    )
    # SQS calls KMS for the sender: the queue's ARN is always the encryption context; the
    # rule's SourceArn/SourceAccount may not reach KMS, so they are not sent here.
    dlq_context = {
        "kms:ViaService": f"sqs.{p.region}.amazonaws.com",
        "kms:EncryptionContext:aws:sqs:arn": p.event_dlq_arn,
    }
    for action in ("kms:GenerateDataKey", "kms:Decrypt"):
        row(
            f"EventBridge {action} through SQS for the DLQ",
            events,
            action,
            p.key_arn,
            dlq_context,
            p.key_policy,
            DOC_SQS_KMS,
            ALLOWED,
        )
    row(
        "EventBridge kms:GenerateDataKey through SQS for another queue",
        events,
        "kms:GenerateDataKey",
        p.key_arn,
        dlq_context | {"kms:EncryptionContext:aws:sqs:arn": p.failure_queue_arn + "-not-ours"},
        p.key_policy,
        DOC_SQS_KMS,
        IMPLICIT,
    )
    # Whether KMS sets kms:ViaService for a service principal is undocumented: the queue's
    # encryption context alone decides (decision 17).
    row(
        "EventBridge kms:GenerateDataKey for the DLQ, no kms:ViaService",
        events,
        "kms:GenerateDataKey",
        p.key_arn,
        {"kms:EncryptionContext:aws:sqs:arn": p.event_dlq_arn},
        p.key_policy,
        DOC_SQS_KMS,
        ALLOWED,
    )
    row(
        "EventBridge kms:GenerateDataKey without an encryption context",
        events,
        "kms:GenerateDataKey",
        p.key_arn,
        {"kms:ViaService": f"sqs.{p.region}.amazonaws.com"},
        p.key_policy,
        DOC_SQS_KMS,
        IMPLICIT,
    )

    cloudwatch = "cloudwatch.amazonaws.com"
    alarm_context = {"aws:SourceArn": p.alarm_arn, "aws:SourceAccount": p.account}
    row(
        "CloudWatch sns:Publish an alarm to the topic",
        cloudwatch,
        "sns:Publish",
        p.topic_arn,
        _tls(alarm_context),
        p.topic_policy,
        DOC_ALARM_SNS,
        ALLOWED,
    )
    row(
        "CloudWatch sns:Publish an alarm to the topic over plain HTTP",
        cloudwatch,
        "sns:Publish",
        p.topic_arn,
        {"aws:SecureTransport": "false", **alarm_context},
        p.topic_policy,
        DOC_SNS_TLS,
        EXPLICIT,
    )
    row(
        "CloudWatch sns:Publish an alarm of another account",
        cloudwatch,
        "sns:Publish",
        p.topic_arn,
        _tls(
            {
                "aws:SourceArn": p.alarm_arn.replace(p.account, OTHER_ACCOUNT),
                "aws:SourceAccount": OTHER_ACCOUNT,
            }
        ),
        p.topic_policy,
        DOC_ALARM_SNS,
        IMPLICIT,
    )
    topic_context = {"kms:EncryptionContext:aws:sns:topicArn": p.topic_arn}
    for action in ("kms:GenerateDataKey", "kms:Decrypt"):
        row(
            f"CloudWatch {action} for the alarm topic",
            cloudwatch,
            action,
            p.key_arn,
            topic_context,
            p.key_policy,
            DOC_SNS_KMS,
            ALLOWED,
        )
    row(
        "CloudWatch kms:GenerateDataKey for another topic",
        cloudwatch,
        "kms:GenerateDataKey",
        p.key_arn,
        {"kms:EncryptionContext:aws:sns:topicArn": p.topic_arn + "-not-ours"},
        p.key_policy,
        DOC_SNS_KMS,
        IMPLICIT,
    )

    logging = "logging.s3.amazonaws.com"
    log_policy = p.bucket_policies[p.log_bucket]
    for bucket, prefix in ((p.source_bucket, "source/"), (p.destination_bucket, "destination/")):
        row(
            f"S3 log delivery s3:PutObject for {prefix[:-1]}",
            logging,
            "s3:PutObject",
            f"arn:aws:s3:::{p.log_bucket}/{prefix}2026-01-01-00-00-00-0123456789ABCDEF",
            _tls({"aws:SourceArn": f"arn:aws:s3:::{bucket}", "aws:SourceAccount": p.account}),
            log_policy,
            DOC_S3_ACCESS_LOGS,
            ALLOWED,
        )
    row(
        "S3 log delivery s3:PutObject for another bucket",
        logging,
        "s3:PutObject",
        f"arn:aws:s3:::{p.log_bucket}/source/x",
        _tls(
            {"aws:SourceArn": "arn:aws:s3:::someone-elses-bucket", "aws:SourceAccount": p.account}
        ),
        log_policy,
        DOC_S3_ACCESS_LOGS,
        IMPLICIT,
    )
    row(
        "S3 log delivery s3:PutObject for our bucket name in another account",
        logging,
        "s3:PutObject",
        f"arn:aws:s3:::{p.log_bucket}/source/x",
        _tls(
            {"aws:SourceArn": f"arn:aws:s3:::{p.source_bucket}", "aws:SourceAccount": OTHER_ACCOUNT}
        ),
        log_policy,
        DOC_S3_ACCESS_LOGS,
        IMPLICIT,
    )

    row(
        "EventBridge lambda:InvokeFunction for the rule",
        events,
        "lambda:InvokeFunction",
        p.function_arn,
        rule_context,
        p.function_policy,
        DOC_EVENTBRIDGE_LAMBDA,
        ALLOWED,
    )
    row(
        "EventBridge lambda:InvokeFunction for another rule",
        events,
        "lambda:InvokeFunction",
        p.function_arn,
        {"aws:SourceArn": other_rule, "aws:SourceAccount": p.account},
        p.function_policy,
        DOC_EVENTBRIDGE_LAMBDA,
        IMPLICIT,
    )
    return rows


def role_rows(p: Pipeline) -> list[Row]:
    """The function's role: what its code and Lambda do with it, and what they must not."""
    rows: list[Row] = []

    def row(
        id_: str,
        action: str,
        resource: str,
        context: Mapping[str, str | list[str]],
        policy: dict[str, Any] | None,
        doc: str,
        expected: str,
    ) -> None:
        rows.append(
            Row(
                Request(
                    id=f"role {id_}",
                    principal=p.role_arn,
                    action=action,
                    resource=resource,
                    resource_account=p.account,
                    context=context,
                    identity_policies=p.role_policies,
                    resource_policy=policy,
                ),
                doc,
                expected,
            )
        )

    source, destination = p.source_bucket, p.destination_bucket
    source_policy, destination_policy = p.bucket_policies[source], p.bucket_policies[destination]
    s3_via = {"kms:ViaService": f"s3.{p.region}.amazonaws.com"}
    sqs_via = {"kms:ViaService": f"sqs.{p.region}.amazonaws.com"}

    for action in ("s3:GetObject", "s3:GetObjectVersion"):
        row(
            f"{action} on the source",
            action,
            f"arn:aws:s3:::{source}/in/a.txt",
            _tls(),
            source_policy,
            DOC_LAMBDA_ROLE,
            ALLOWED,
        )
    for bucket, policy in ((source, source_policy), (destination, destination_policy)):
        row(
            f"s3:ListBucket on {bucket}",
            "s3:ListBucket",
            f"arn:aws:s3:::{bucket}",
            _tls(),
            policy,
            DOC_LAMBDA_ROLE,
            ALLOWED,
        )
    for action in ("s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"):
        row(
            f"{action} on the destination",
            action,
            f"arn:aws:s3:::{destination}/in/a.txt",
            _tls(),
            destination_policy,
            DOC_LAMBDA_ROLE,
            ALLOWED,
        )
    row(
        "s3:ListBucketMultipartUploads on the destination",
        "s3:ListBucketMultipartUploads",
        f"arn:aws:s3:::{destination}",
        _tls(),
        destination_policy,
        DOC_LAMBDA_ROLE,
        ALLOWED,
    )
    row(
        "s3:DeleteObject of a rejection report",
        "s3:DeleteObject",
        f"arn:aws:s3:::{destination}/_rejected/in/a.txt.json",
        _tls(),
        destination_policy,
        DOC_LAMBDA_ROLE,
        ALLOWED,
    )
    for bucket in (source, destination):
        bucket_context = {"kms:EncryptionContext:aws:s3:arn": f"arn:aws:s3:::{bucket}"}
        for action in ("kms:Decrypt", "kms:GenerateDataKey"):
            row(
                f"{action} through S3 for {bucket}",
                action,
                p.key_arn,
                s3_via | bucket_context,
                p.key_policy,
                DOC_S3_SSE_KMS,
                ALLOWED,
            )
    row(
        "kms:GenerateDataKey through SQS for the failure queue",
        "kms:GenerateDataKey",
        p.key_arn,
        sqs_via | {"kms:EncryptionContext:aws:sqs:arn": p.failure_queue_arn},
        p.key_policy,
        DOC_SQS_KMS,
        ALLOWED,
    )
    row(
        "sqs:SendMessage of a failure record",
        "sqs:SendMessage",
        p.failure_queue_arn,
        _tls(),
        p.failure_queue_policy,
        DOC_LAMBDA_DESTINATIONS,
        ALLOWED,
    )
    for action in ("logs:CreateLogStream", "logs:PutLogEvents"):
        row(
            f"{action} in its log group",
            action,
            f"{p.log_group_arn}:log-stream:2026/01/01/[$LATEST]0123456789abcdef",
            _tls(),
            None,
            DOC_LAMBDA_ROLE,
            ALLOWED,
        )

    # Refusals.
    row(
        "s3:PutObject into the source",
        "s3:PutObject",
        f"arn:aws:s3:::{source}/in/a.txt",
        _tls(),
        source_policy,
        DOC_LAMBDA_ROLE,
        IMPLICIT,
    )
    row(
        "s3:DeleteObject of a source object",
        "s3:DeleteObject",
        f"arn:aws:s3:::{source}/in/a.txt",
        _tls(),
        source_policy,
        DOC_LAMBDA_ROLE,
        IMPLICIT,
    )
    for action in ("s3:DeleteObject", "s3:DeleteObjectVersion"):
        row(
            f"{action} of an output",
            action,
            f"arn:aws:s3:::{destination}/in/a.txt",
            _tls(),
            destination_policy,
            DOC_LAMBDA_ROLE,
            IMPLICIT,
        )
    row(
        "s3:GetObject from another bucket",
        "s3:GetObject",
        "arn:aws:s3:::someone-elses-bucket/in/a.txt",
        _tls(),
        None,
        DOC_LAMBDA_ROLE,
        IMPLICIT,
    )
    row(
        "s3:GetObject on the source over plain HTTP",
        "s3:GetObject",
        f"arn:aws:s3:::{source}/in/a.txt",
        {"aws:SecureTransport": "false"},
        source_policy,
        DOC_S3_TLS,
        EXPLICIT,
    )
    row(
        "s3:GetObject on the source over TLS 1.1",
        "s3:GetObject",
        f"arn:aws:s3:::{source}/in/a.txt",
        _tls({"s3:TlsVersion": "1.1"}),
        source_policy,
        DOC_S3_TLS_VERSION,
        EXPLICIT,
    )
    row(
        "s3:PutObject on the destination over TLS 1.0",
        "s3:PutObject",
        f"arn:aws:s3:::{destination}/in/a.txt",
        _tls({"s3:TlsVersion": "1.0"}),
        destination_policy,
        DOC_S3_TLS_VERSION,
        EXPLICIT,
    )
    row(
        "s3:PutObject on the destination over plain HTTP",
        "s3:PutObject",
        f"arn:aws:s3:::{destination}/in/a.txt",
        {"aws:SecureTransport": "false"},
        destination_policy,
        DOC_S3_TLS,
        EXPLICIT,
    )
    row(
        "s3:PutObject on the destination naming SSE-S3",
        "s3:PutObject",
        f"arn:aws:s3:::{destination}/in/a.txt",
        _tls({"s3:x-amz-server-side-encryption": "AES256"}),
        destination_policy,
        DOC_S3_SSE_KMS,
        EXPLICIT,
    )
    row(
        "sqs:SendMessage of a failure record over plain HTTP",
        "sqs:SendMessage",
        p.failure_queue_arn,
        {"aws:SecureTransport": "false"},
        p.failure_queue_policy,
        DOC_LAMBDA_DESTINATIONS,
        EXPLICIT,
    )
    for action in ("kms:Decrypt", "kms:GenerateDataKey"):
        row(
            f"{action} directly, not through S3 or SQS",
            action,
            p.key_arn,
            {"kms:EncryptionContext:aws:s3:arn": f"arn:aws:s3:::{source}"},
            p.key_policy,
            DOC_S3_SSE_KMS,
            IMPLICIT,
        )
    row(
        "logs:PutLogEvents in another log group",
        "logs:PutLogEvents",
        p.log_group_arn.rsplit(":", 1)[0] + ":/aws/lambda/someone-else:log-stream:x",
        _tls(),
        None,
        DOC_LAMBDA_ROLE,
        IMPLICIT,
    )
    return rows


def deploy_rows(d: DeployRoles, p: Pipeline) -> list[Row]:
    """CI's roles' decisive calls: the state and its lock, the stack's key and keys not its own,
    and the roles the apply role creates."""
    rows: list[Row] = []

    def row(
        id_: str,
        action: str,
        resource: str,
        context: Mapping[str, str | list[str]],
        policy: dict[str, Any] | None,
        doc: str,
        expected: str,
        *,
        plan_role: bool = False,
    ) -> None:
        rows.append(
            Row(
                Request(
                    id=f"{'plan' if plan_role else 'apply'} role {id_}",
                    principal=d.plan_role_arn if plan_role else d.apply_role_arn,
                    action=action,
                    resource=resource,
                    resource_account=d.account,
                    context=context,
                    identity_policies=d.plan_policies if plan_role else d.apply_policies,
                    resource_policy=policy,
                ),
                doc,
                expected,
            )
        )

    lock = f"{d.state_object_arn}.tflock"
    through_s3 = {"kms:ViaService": f"s3.{d.region}.amazonaws.com"}
    for plan_role in (True, False):
        row(
            "s3:GetObject of prod's state",
            "s3:GetObject",
            d.state_object_arn,
            _tls(),
            None,
            DOC_S3_ACTIONS,
            ALLOWED,
            plan_role=plan_role,
        )
        for action in ("kms:Decrypt", "kms:GenerateDataKey"):
            row(
                f"{action} on the state key through S3",
                action,
                d.state_key_arn,
                _tls(through_s3),
                d.state_key_policy,
                DOC_S3_SSE_KMS,
                ALLOWED,
                plan_role=plan_role,
            )
            row(
                f"{action} on the state key directly",
                action,
                d.state_key_arn,
                _tls(),
                d.state_key_policy,
                DOC_S3_SSE_KMS,
                IMPLICIT,
                plan_role=plan_role,
            )
    for action in ("s3:PutObject", "s3:DeleteObject"):
        row(
            f"{action} of prod's state lock",
            action,
            lock,
            _tls(),
            None,
            DOC_S3_ACTIONS,
            IMPLICIT,
            plan_role=True,
        )
        row(f"{action} of prod's state lock", action, lock, _tls(), None, DOC_S3_ACTIONS, ALLOWED)
    row(
        "s3:PutObject of prod's state",
        "s3:PutObject",
        d.state_object_arn,
        _tls(),
        None,
        DOC_S3_ACTIONS,
        IMPLICIT,
        plan_role=True,
    )

    stack_tags: dict[str, str | list[str]] = {
        "aws:RequestTag/Project": "pipesum",
        "aws:RequestTag/Environment": "prod",
    }
    tag_keys: dict[str, str | list[str]] = {"aws:TagKeys": ["Project", "Environment"]}
    row(
        "kms:CreateKey with the stack's tags",
        "kms:CreateKey",
        "*",
        _tls(stack_tags | tag_keys),
        None,
        DOC_KMS_CREATE,
        ALLOWED,
    )
    row("kms:CreateKey without tags", "kms:CreateKey", "*", _tls(), None, DOC_KMS_CREATE, IMPLICIT)
    # The key being created has no tags yet: KMS authorises its tagging on every key.
    new_key = f"arn:aws:kms:{p.region}:{d.account}:key/0b7e9a3c-1111-4222-8333-944455556666"
    row(
        "kms:TagResource with the stack's tags, at CreateKey",
        "kms:TagResource",
        new_key,
        _tls(stack_tags | tag_keys),
        d.stack_key_policy,
        DOC_KMS_TAG_ON_CREATE,
        ALLOWED,
    )
    for action in (
        "kms:DescribeKey",
        "kms:EnableKeyRotation",
        "kms:GetKeyPolicy",
        "kms:GetKeyRotationStatus",
        "kms:ListResourceTags",
        "kms:PutKeyPolicy",
        "kms:ScheduleKeyDeletion",
    ):
        row(
            f"{action} on the stack's key, by its key policy",
            action,
            new_key,
            _tls(),
            d.stack_key_policy,
            DOC_KMS_KEY_POLICY,
            ALLOWED,
        )
    for action in ("kms:DescribeKey", "kms:GetKeyPolicy", "kms:ListResourceTags"):
        row(
            f"{action} on the stack's key, by its key policy",
            action,
            new_key,
            _tls(),
            d.stack_key_policy,
            DOC_KMS_KEY_POLICY,
            ALLOWED,
            plan_role=True,
        )
    row(
        "kms:PutKeyPolicy on the stack's key",
        "kms:PutKeyPolicy",
        new_key,
        _tls(),
        d.stack_key_policy,
        DOC_KMS_KEY_POLICY,
        IMPLICIT,
        plan_role=True,
    )

    # Another team's key, with the account's default key policy (IAM decides). Tagged as the
    # stack's, it must still give the apply role nothing.
    foreign_key = f"arn:aws:kms:{p.region}:{d.account}:key/f0e1d2c3-2222-4333-8444-955566667777"
    default_key_policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Enable IAM User Permissions",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{d.account}:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ],
    }
    row(
        "kms:TagResource with the stack's tags on another project's key",
        "kms:TagResource",
        foreign_key,
        _tls(stack_tags | tag_keys | {"aws:ResourceTag/Project": "another-project"}),
        default_key_policy,
        DOC_KMS_TAGS,
        IMPLICIT,
    )
    as_if_the_stacks = {"aws:ResourceTag/Project": "pipesum", "aws:ResourceTag/Environment": "prod"}
    for action in (
        "kms:PutKeyPolicy",
        "kms:ScheduleKeyDeletion",
        "kms:UntagResource",
        "kms:DescribeKey",
        "kms:GetKeyPolicy",
    ):
        row(
            f"{action} on a key it does not own, tagged as the stack's",
            action,
            foreign_key,
            _tls(as_if_the_stacks),
            default_key_policy,
            DOC_KMS_TAGS,
            IMPLICIT,
        )
    row(
        "kms:Decrypt through Lambda on a key it does not own, tagged as the stack's",
        "kms:Decrypt",
        foreign_key,
        _tls(as_if_the_stacks | {"kms:ViaService": f"lambda.{p.region}.amazonaws.com"}),
        default_key_policy,
        DOC_KMS_TAGS,
        IMPLICIT,
    )
    row(
        "kms:PutKeyPolicy on a key it does not own, tagged as the stack's",
        "kms:PutKeyPolicy",
        foreign_key,
        _tls(as_if_the_stacks),
        default_key_policy,
        DOC_KMS_TAGS,
        IMPLICIT,
        plan_role=True,
    )

    role = f"arn:aws:iam::{d.account}:role/pipesum-prod-sum"
    with_boundary = {"iam:PermissionsBoundary": d.boundary_arn}
    for action in ("iam:CreateRole", "iam:PutRolePolicy", "iam:PutRolePermissionsBoundary"):
        row(
            f"{action} with the stack role boundary",
            action,
            role,
            _tls(with_boundary),
            None,
            DOC_IAM_BOUNDARY,
            ALLOWED,
        )
        row(f"{action} without a boundary", action, role, _tls(), None, DOC_IAM_BOUNDARY, IMPLICIT)
        row(
            f"{action} with another boundary",
            action,
            role,
            _tls(
                {"iam:PermissionsBoundary": f"arn:aws:iam::{d.account}:policy/AdministratorAccess"}
            ),
            None,
            DOC_IAM_BOUNDARY,
            IMPLICIT,
        )
    for action in ("iam:DeleteRolePermissionsBoundary", "iam:AttachRolePolicy"):
        row(
            f"{action} on a stack role",
            action,
            role,
            _tls(with_boundary),
            None,
            DOC_IAM_BOUNDARY,
            IMPLICIT,
        )
    row(
        "iam:PassRole of a stack role to Lambda",
        "iam:PassRole",
        role,
        _tls({"iam:PassedToService": "lambda.amazonaws.com"}),
        None,
        DOC_IAM_BOUNDARY,
        ALLOWED,
    )
    row(
        "iam:PassRole of a stack role to EC2",
        "iam:PassRole",
        role,
        _tls({"iam:PassedToService": "ec2.amazonaws.com"}),
        None,
        DOC_IAM_BOUNDARY,
        IMPLICIT,
    )
    return rows


def boundary_rows(d: DeployRoles, p: Pipeline) -> list[Row]:
    """The function's role under the boundary prod gives it: still every call it makes, and no
    more (an administrator policy put on it grants nothing outside)."""
    role = f"arn:aws:iam::{d.account}:role/pipesum-prod-sum"
    administrator = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    }
    prod = "pipesum-prod"

    # KMS requires the key policy's allowance too: the stack key's, which delegates to IAM.
    key_policy = json.loads(json.dumps(p.key_policy).replace(f":{p.account}:", f":{d.account}:"))

    def request(id_: str, action: str, resource: str, context: Mapping[str, Any]) -> Request:
        return Request(
            id=f"bounded role {id_}",
            principal=role,
            action=action,
            resource=resource,
            resource_account=d.account,
            context=context,
            identity_policies={"administrator": administrator},
            permission_boundaries={"stack-role-boundary": d.boundary_policy},
            resource_policy=key_policy if action.startswith("kms:") else None,
        )

    s3_via = {"kms:ViaService": f"s3.{p.region}.amazonaws.com"}
    bucket = f"{prod}-source-{d.account}-{p.region}"
    return [
        Row(
            request(
                "s3:GetObject on a prod bucket",
                "s3:GetObject",
                f"arn:aws:s3:::{bucket}/in/a.txt",
                _tls(),
            ),
            DOC_IAM_BOUNDARY,
            ALLOWED,
        ),
        Row(
            request(
                "kms:Decrypt through S3",
                "kms:Decrypt",
                f"arn:aws:kms:{p.region}:{d.account}:key/0b7e9a3c-1111-4222-8333-944455556666",
                s3_via,
            ),
            DOC_IAM_BOUNDARY,
            ALLOWED,
        ),
        Row(
            request(
                "sqs:SendMessage to a prod queue",
                "sqs:SendMessage",
                f"arn:aws:sqs:{p.region}:{d.account}:{prod}-function-failures",
                _tls(),
            ),
            DOC_IAM_BOUNDARY,
            ALLOWED,
        ),
        Row(
            request(
                "logs:PutLogEvents in the prod log group",
                "logs:PutLogEvents",
                f"arn:aws:logs:{p.region}:{d.account}:log-group:/aws/lambda/{prod}-sum:log-stream:x",
                _tls(),
            ),
            DOC_IAM_BOUNDARY,
            ALLOWED,
        ),
        Row(
            request(
                "iam:CreateUser",
                "iam:CreateUser",
                f"arn:aws:iam::{d.account}:user/intruder",
                _tls(),
            ),
            DOC_IAM_BOUNDARY,
            IMPLICIT,
        ),
        Row(
            request(
                "s3:GetObject outside the stack",
                "s3:GetObject",
                "arn:aws:s3:::someone-elses-bucket/a.txt",
                _tls(),
            ),
            DOC_IAM_BOUNDARY,
            IMPLICIT,
        ),
        Row(
            request(
                "kms:Decrypt directly",
                "kms:Decrypt",
                f"arn:aws:kms:{p.region}:{d.account}:key/0b7e9a3c-1111-4222-8333-944455556666",
                {},
            ),
            DOC_IAM_BOUNDARY,
            IMPLICIT,
        ),
    ]


# --------------------------------------------------------------------------------------------
# The tests
# --------------------------------------------------------------------------------------------


def _mismatches(rows: list[Row], decisions: Mapping[str, Decision]) -> list[str]:
    return [
        f"{row.request.id}: expected {row.expected}, the engine decided "
        f"{decisions[row.request.id].result} (request context: {dict(row.request.context)}; "
        f"documented at {row.documented_by})"
        for row in rows
        if decisions[row.request.id].result != row.expected
    ]


def _check(rows: list[Row]) -> dict[str, Decision]:
    decisions = decide([row.request for row in rows])
    ignored = {
        row.request.id: decisions[row.request.id].ignored_context_keys
        for row in rows
        if decisions[row.request.id].ignored_context_keys
    }
    assert not ignored, f"the engine dropped request keys, so it did not evaluate them: {ignored}"
    mismatches = _mismatches(rows, decisions)
    assert not mismatches, "\n".join(mismatches)
    return decisions


def test_aws_services_reach_exactly_what_the_pipeline_gives_them(pipeline: Pipeline) -> None:
    _check(service_rows(pipeline))


def test_the_function_role_does_its_work_and_nothing_else(pipeline: Pipeline) -> None:
    _check(role_rows(pipeline))


def test_the_deploy_roles_reach_their_state_their_key_and_bounded_roles_only(
    deploy_roles: DeployRoles, pipeline: Pipeline
) -> None:
    _check(deploy_rows(deploy_roles, pipeline))


def test_the_stack_role_boundary_holds_the_function_to_its_work(
    deploy_roles: DeployRoles, pipeline: Pipeline
) -> None:
    _check(boundary_rows(deploy_roles, pipeline))


def _has_encryption_context(row: Row) -> bool:
    return any(key.lower().startswith("kms:encryptioncontext:") for key in row.request.context)


def test_the_published_engine_still_drops_encryption_context_keys(pipeline: Pipeline) -> None:
    """When this fails, @cloud-copilot/iam-simulate keeps kms:EncryptionContext:<key> itself:
    drop tools/iam-simulate/encryption-context-fix*.mjs and its --import (decision 12)."""
    rows = [row for row in service_rows(pipeline) if _has_encryption_context(row)]
    published = decide([row.request for row in rows], published=True)
    kept = [
        row.request.id
        for row in rows
        if not any(
            key.lower().startswith("kms:encryptioncontext:")
            for key in published[row.request.id].ignored_context_keys
        )
    ]
    assert not kept, f"the published engine now evaluates the encryption context of: {kept}"


def test_the_carried_fix_changes_only_encryption_context_rows(
    pipeline: Pipeline, deploy_roles: DeployRoles
) -> None:
    rows = [
        row
        for row in [
            *service_rows(pipeline),
            *role_rows(pipeline),
            *deploy_rows(deploy_roles, pipeline),
            *boundary_rows(deploy_roles, pipeline),
        ]
        if not _has_encryption_context(row)
    ]
    fixed = decide([row.request for row in rows])
    published = decide([row.request for row in rows], published=True)
    differ = [row.request.id for row in rows if fixed[row.request.id] != published[row.request.id]]
    assert not differ, f"the fix changed decisions without an encryption context: {differ}"


def test_every_row_names_an_aws_page(pipeline: Pipeline, deploy_roles: DeployRoles) -> None:
    rows = [
        *service_rows(pipeline),
        *role_rows(pipeline),
        *deploy_rows(deploy_roles, pipeline),
        *boundary_rows(deploy_roles, pipeline),
    ]
    assert all(row.documented_by.startswith("https://docs.aws.amazon.com/") for row in rows)
    assert len({row.request.id for row in rows}) == len(rows)


DEPLOY_ROWS_HEADING = "#### The deploy roles' rows"


def _listed_deploy_rows() -> list[str]:
    """The body rows of the table under DEPLOY_ROWS_HEADING in docs/deploy.md."""
    lines = (REPO_ROOT / "docs" / "deploy.md").read_text().splitlines()
    section = lines[lines.index(DEPLOY_ROWS_HEADING) + 1 :]
    section = section[: next((i for i, line in enumerate(section) if line.startswith("#")), None)]
    return [line for line in section if line.startswith("| ")][2:]


def test_docs_deploy_lists_every_deploy_role_row_with_its_decision(
    deploy_roles: DeployRoles, pipeline: Pipeline
) -> None:
    """docs/deploy.md's list is the rows this module decides, no more, no less."""
    expected = [
        f"| {row.request.id} | {row.expected} |" for row in deploy_rows(deploy_roles, pipeline)
    ]
    listed = _listed_deploy_rows()
    missing = [line for line in expected if line not in listed]
    stale = [line for line in listed if line not in expected]
    assert (missing, stale) == ([], []), (
        f"docs/deploy.md, {DEPLOY_ROWS_HEADING!r}: add\n"
        + "\n".join(missing)
        + "\nremove\n"
        + "\n".join(stale)
    )


def test_rendered_policies_come_from_the_state(pipeline: Pipeline) -> None:
    """Guard against an empty or misread state: each document names the deployed resources."""
    assert pipeline.event_dlq_arn in json.dumps(pipeline.event_dlq_policy)
    assert pipeline.topic_arn in json.dumps(pipeline.topic_policy)
    assert pipeline.role_arn in json.dumps(pipeline.key_policy)
    assert set(pipeline.role_policies) >= {"this", "logs", "async_failure"}
    assert Path(TERRAFORM_ROOT / "kms.tf").is_file()
