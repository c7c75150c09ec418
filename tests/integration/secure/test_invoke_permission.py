"""No identity but the EventBridge rule may invoke the function.

AWS grants lambda:InvokeFunction either way: by the function's resource policy (here one
statement: events.amazonaws.com, for the object-created rule's ARN only) or, within the same
account, by the caller's own identity policy. So a principal of this account whose identity
policy allows lambda:InvokeFunction can invoke the function whatever the resource policy says,
and that is AWS's semantics, not a hole: who may get such a policy is the account's IAM
governance. What the stack controls is that nobody else, and no other account, is granted it.

What MiniStack 1.5.33 enforces, read in its source and checked here:

- a direct Invoke is authorized against the identity policies and the function's resource
  policy (ministack/core/iam_evaluator.py: `_RESOURCE_POLICY_LOOKUPS["lambda"]`,
  `combine_resource_policy`);
- EventBridge's delivery to the function does not consult the resource policy at all
  (ministack/services/eventbridge.py, `_dispatch_to_lambda`): a rule would invoke the function
  even without the permission, so that half of the grant cannot be proven on the emulator;
- another account's principal cannot even name the function: the emulator resolves a function
  ARN in the caller's account and answers 404 ResourceNotFoundException, not a denial, so a
  cross-account refusal cannot be proven on the emulator either.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from harness.stack import StackOutputs
from tests.integration.secure.support import (
    ClientFactory,
    Identity,
    SecureResources,
    assert_not_allowed,
)

MakeUser = Callable[[dict[str, object] | None], Identity]


def test_the_function_policy_grants_invoke_to_the_object_created_rule_only(
    secure_outputs: StackOutputs, secure_resources: SecureResources, admin_client: ClientFactory
) -> None:
    """The resource policy has one statement: EventBridge may invoke, for the rule's ARN only."""
    policy = json.loads(
        admin_client("lambda").get_policy(FunctionName=secure_outputs.function_name)["Policy"]
    )
    assert policy["Statement"] == [
        {
            "Sid": "AllowObjectCreatedRule",
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Action": "lambda:InvokeFunction",
            "Resource": secure_resources.function_arn,
            "Condition": {"ArnLike": {"AWS:SourceArn": secure_resources.event_rule_arn}},
        }
    ]


@pytest.mark.parametrize("invocation_type", ["RequestResponse", "Event", "DryRun"])
def test_a_principal_without_invoke_permission_is_refused(
    secure_outputs: StackOutputs, iam_user: MakeUser, invocation_type: str
) -> None:
    """A user of this account with no policy of its own cannot invoke the function, in any
    invocation type: neither its identity nor the function's resource policy grants it."""
    user = iam_user(None)
    assert_not_allowed(
        lambda: user.client("lambda").invoke(
            FunctionName=secure_outputs.function_name,
            InvocationType=invocation_type,
            Payload=b"{}",
        ),
        service="lambda",
        action="lambda:InvokeFunction",
        who=user.arn,
    )


def test_the_function_policy_is_what_refuses_a_direct_invoke(
    secure_outputs: StackOutputs, admin_client: ClientFactory, iam_user: MakeUser
) -> None:
    """The emulator evaluates the resource policy: a statement naming the user lets the same
    credentials through (DryRun: authorized, not run), and once it is removed they are refused
    again. So the refusal above comes from the policy, not from unusable credentials."""
    user = iam_user(None)
    admin_lambda = admin_client("lambda")
    deployed = admin_lambda.get_policy(FunctionName=secure_outputs.function_name)["Policy"]
    statement_id = f"test-only-{uuid.uuid4().hex[:8]}"

    def dry_run() -> Any:
        return user.client("lambda").invoke(
            FunctionName=secure_outputs.function_name, InvocationType="DryRun"
        )

    admin_lambda.add_permission(
        FunctionName=secure_outputs.function_name,
        StatementId=statement_id,
        Action="lambda:InvokeFunction",
        Principal=user.arn,
    )
    try:
        granted = dry_run()
    finally:
        admin_lambda.remove_permission(
            FunctionName=secure_outputs.function_name, StatementId=statement_id
        )
    assert granted["StatusCode"] == 204
    assert admin_lambda.get_policy(FunctionName=secure_outputs.function_name)["Policy"] == deployed
    assert_not_allowed(dry_run, service="lambda", action="lambda:InvokeFunction", who=user.arn)


def test_an_identity_policy_allowing_invoke_is_enough_in_the_same_account(
    secure_outputs: StackOutputs, secure_resources: SecureResources, iam_user: MakeUser
) -> None:
    """AWS semantics, pinned: in the function's own account an identity policy that allows
    lambda:InvokeFunction on the function suffices, whatever the resource policy says. The stack
    cannot prevent it; the account's IAM decides who gets such a policy."""
    user = iam_user(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "lambda:InvokeFunction",
                    "Resource": secure_resources.function_arn,
                }
            ],
        }
    )
    response = user.client("lambda").invoke(
        FunctionName=secure_outputs.function_name, InvocationType="DryRun"
    )
    assert response["StatusCode"] == 204


def test_nobody_can_put_a_forged_s3_event_on_the_bus(
    secure_outputs: StackOutputs, admin_client: ClientFactory, iam_user: MakeUser
) -> None:
    """The rule matches only source aws.s3, which PutEvents refuses from any caller (a user
    allowed events:PutEvents, and the account root): the rule's events come from S3 alone."""
    user = iam_user(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "events:PutEvents", "Resource": "*"}],
        }
    )
    forged = {
        "Source": "aws.s3",
        "DetailType": "Object Created",
        "Detail": json.dumps(
            {
                "bucket": {"name": secure_outputs.source_bucket},
                "object": {"key": f"forged-{uuid.uuid4().hex[:8]}/triggerFile.txt", "size": 8},
            }
        ),
    }
    for events in (user.client("events"), admin_client("events")):
        answer = events.put_events(Entries=[forged])
        assert (answer["FailedEntryCount"], answer["Entries"]) == (
            1,
            [
                {
                    "ErrorCode": "NotAuthorizedForSourceException",
                    "ErrorMessage": "Not authorized for the source.",
                }
            ],
        )


def test_a_user_with_invoke_on_another_function_only_is_refused(
    secure_outputs: StackOutputs, secure_resources: SecureResources, iam_user: MakeUser
) -> None:
    """An identity policy scoped to another function's ARN grants nothing on this one."""
    other_function = secure_resources.function_arn + "-other"
    user = iam_user(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": other_function}
            ],
        }
    )
    assert_not_allowed(
        lambda: user.client("lambda").invoke(
            FunctionName=secure_outputs.function_name, InvocationType="DryRun"
        ),
        service="lambda",
        action="lambda:InvokeFunction",
        who=user.arn,
    )
