"""The function's role may do what the function needs, and nothing else.

The role is assumed through STS (see `function_role` in conftest.py), so these are the very
permissions the function runs with. Every denial is checked to the message: a 403 whose code is
the service's denial code and which says no identity-based policy allows the action; a 404, a
credential failure or a bucket policy's deny would not pass. The positive controls use the same
credentials, so the denials come from the role's policy, not from broken credentials.

What the function needs on the destination includes s3:GetObject: before writing, it reads an
earlier output's or report's metadata (HeadObject, which S3 authorizes as s3:GetObject) to compare
sequencers, so the role can read the outputs back. It cannot read older versions, list versions,
nor delete an output (only stale rejection reports, and only their current version).
"""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from botocore.exceptions import ClientError

from harness.reliability import Scenario
from harness.stack import StackOutputs
from pipesum.storage import REPORT_MARK_METADATA
from tests.integration.secure.support import (
    ROLE_SESSION_NAME,
    SMALL_INPUT,
    SMALL_OUTPUT,
    ClientFactory,
    Identity,
    SecureResources,
    assert_not_allowed,
    error_of,
)
from tests.support.reliability_plugin import Evidence

FOREIGN_KEY = "not-the-functions.txt"


@dataclass(frozen=True)
class Scene:
    """The role's clients, and what the calls name: the stack's resources and foreign ones."""

    role: Identity
    outputs: StackOutputs
    resources: SecureResources
    processed_key: str
    source_version: str
    output_version: str
    foreign_bucket: str
    foreign_key_arn: str
    foreign_ciphertext: bytes
    bucket_policies: dict[str, str]
    key_policy: str
    failure_queue_policy: str

    def client(self, service: str) -> Any:
        return self.role.client(service)


@pytest.fixture(scope="module")
def foreign_bucket(admin_client: ClientFactory) -> Iterator[str]:
    """A bucket of the same account that is none of the pipeline's, with one object."""
    s3 = admin_client("s3")
    name = f"pipesum-foreign-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key=FOREIGN_KEY, Body=b"someone else's data")
    yield name
    s3.delete_object(Bucket=name, Key=FOREIGN_KEY)
    s3.delete_bucket(Bucket=name)


@pytest.fixture(scope="module")
def foreign_key(admin_client: ClientFactory) -> Iterator[tuple[str, bytes]]:
    """A KMS key of the same account that is not the stack's (default key policy), and a
    ciphertext made with it; scheduled for deletion at the end."""
    kms = admin_client("kms")
    arn: str = kms.create_key(Description="pipesum least-privilege probe: not the stack's key")[
        "KeyMetadata"
    ]["Arn"]
    ciphertext: bytes = kms.encrypt(KeyId=arn, Plaintext=b"someone else's secret")["CiphertextBlob"]
    yield arn, ciphertext
    kms.schedule_key_deletion(KeyId=arn, PendingWindowInDays=7)


@pytest.fixture(scope="module")
def scene(
    function_role: Identity,
    secure_outputs: StackOutputs,
    secure_resources: SecureResources,
    admin_client: ClientFactory,
    processed_key: str,
    foreign_bucket: str,
    foreign_key: tuple[str, bytes],
) -> Scene:
    s3 = admin_client("s3")
    buckets = (secure_outputs.source_bucket, secure_outputs.destination_bucket)
    return Scene(
        role=function_role,
        outputs=secure_outputs,
        resources=secure_resources,
        processed_key=processed_key,
        source_version=s3.head_object(Bucket=buckets[0], Key=processed_key)["VersionId"],
        output_version=s3.head_object(Bucket=buckets[1], Key=processed_key)["VersionId"],
        foreign_bucket=foreign_bucket,
        foreign_key_arn=foreign_key[0],
        foreign_ciphertext=foreign_key[1],
        bucket_policies={name: s3.get_bucket_policy(Bucket=name)["Policy"] for name in buckets},
        key_policy=admin_client("kms").get_key_policy(
            KeyId=secure_resources.kms_key_arn, PolicyName="default"
        )["Policy"],
        failure_queue_policy=admin_client("sqs").get_queue_attributes(
            QueueUrl=secure_resources.function_failure_queue_url, AttributeNames=["Policy"]
        )["Attributes"]["Policy"],
    )


@pytest.mark.usefixtures("function_role")
def test_the_deployed_trust_policy_lets_no_test_principal_assume_the_role(
    secure_resources: SecureResources, admin_client: ClientFactory
) -> None:
    """Once `function_role` has its credentials, the trust policy is the deployed one again:
    Lambda only, for this account, and the account root (the admin) is refused."""
    deployed = admin_client("iam").get_role(RoleName=secure_resources.function_role_name)["Role"][
        "AssumeRolePolicyDocument"
    ]
    assert deployed["Statement"] == [
        {
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Condition": {"StringEquals": {"aws:SourceAccount": secure_resources.account_id}},
        }
    ]
    with pytest.raises(ClientError) as caught:
        admin_client("sts").assume_role(
            RoleArn=secure_resources.function_role_arn, RoleSessionName="refused-probe"
        )
    root = f"arn:aws:iam::{secure_resources.account_id}:root"
    message = (
        f"User: {root} is not authorized to perform: sts:AssumeRole "
        f"on resource: {secure_resources.function_role_arn}"
    )
    assert error_of(caught) == (403, "AccessDenied", message)


def test_the_probe_credentials_are_a_session_of_the_function_role(
    function_role: Identity, secure_resources: SecureResources
) -> None:
    """STS says who the probe is: the function's role, in the session the fixture named."""
    identity = function_role.client("sts").get_caller_identity()
    expected = (
        f"arn:aws:sts::{secure_resources.account_id}:assumed-role/"
        f"{secure_resources.function_role_name}/{ROLE_SESSION_NAME}"
    )
    assert (identity["Arn"], function_role.arn) == (expected, expected)


def _s3(scene: Scene) -> Any:
    return scene.client("s3")


def _read_the_input(scene: Scene) -> None:
    source = _s3(scene).get_object(Bucket=scene.outputs.source_bucket, Key=scene.processed_key)
    assert source["Body"].read() == SMALL_INPUT


def _read_the_input_version(scene: Scene) -> None:
    source = _s3(scene).get_object(
        Bucket=scene.outputs.source_bucket, Key=scene.processed_key, VersionId=scene.source_version
    )
    assert source["Body"].read() == SMALL_INPUT


def _missing_source_key_is_404(scene: Scene) -> None:
    _missing_key_is_404(scene, scene.outputs.source_bucket)


def _missing_destination_key_is_404(scene: Scene) -> None:
    _missing_key_is_404(scene, scene.outputs.destination_bucket)


def _missing_key_is_404(scene: Scene, bucket: str) -> None:
    with pytest.raises(ClientError) as caught:
        _s3(scene).head_object(Bucket=bucket, Key=f"missing-{uuid.uuid4().hex}")
    assert error_of(caught)[:2] == (404, "404")


def _check_the_output(scene: Scene) -> None:
    bucket, key = scene.outputs.destination_bucket, scene.processed_key
    assert _s3(scene).head_object(Bucket=bucket, Key=key)["ContentLength"] == len(SMALL_OUTPUT)
    assert _s3(scene).get_object(Bucket=bucket, Key=key)["Body"].read() == SMALL_OUTPUT


def _write_an_output(scene: Scene) -> None:
    key = f"least-privilege-probe-{uuid.uuid4().hex[:8]}.txt"
    _s3(scene).put_object(Bucket=scene.outputs.destination_bucket, Key=key, Body=b"ok")


def _mark_an_output(scene: Scene) -> None:
    """An output copied onto itself with the report mark (GetObject and PutObject both)."""
    bucket, key = scene.outputs.destination_bucket, f"least-privilege-probe-{uuid.uuid4().hex[:8]}"
    etag = _s3(scene).put_object(Bucket=bucket, Key=key, Body=b"ok")["ETag"]
    _s3(scene).copy_object(
        Bucket=bucket,
        Key=key,
        CopySource={"Bucket": bucket, "Key": key},
        CopySourceIfMatch=etag,
        MetadataDirective="REPLACE",
        Metadata={REPORT_MARK_METADATA: "may-exist"},
    )
    assert _s3(scene).head_object(Bucket=bucket, Key=key)["Metadata"] == {
        REPORT_MARK_METADATA: "may-exist"
    }


def _remove_a_stale_report(scene: Scene) -> None:
    key = f"_rejected/least-privilege-probe-{uuid.uuid4().hex[:8]}.json"
    _s3(scene).delete_object(Bucket=scene.outputs.destination_bucket, Key=key)


ALLOWED: dict[str, Callable[[Scene], None]] = {
    "s3:GetObject source": _read_the_input,
    "s3:GetObjectVersion source": _read_the_input_version,
    "s3:ListBucket source (missing key: 404, not 403)": _missing_source_key_is_404,
    "s3:ListBucket destination (missing key: 404, not 403)": _missing_destination_key_is_404,
    "s3:GetObject destination (the ordering check)": _check_the_output,
    "s3:PutObject destination": _write_an_output,
    "s3:GetObject and s3:PutObject destination (an output marked in place)": _mark_an_output,
    "s3:DeleteObject destination _rejected/": _remove_a_stale_report,
}


@pytest.mark.behaviour("identity-policies-are-enforced", emulator="ministack")
@pytest.mark.parametrize("call", ALLOWED.values(), ids=ALLOWED.keys())
def test_the_role_can_do_what_the_function_needs(
    scene: Scene, call: Callable[[Scene], None]
) -> None:
    """Positive controls: each call the function makes succeeds with the same credentials the
    denials below are made with. (sqs:SendMessage to the failure queue is granted too, and left
    out so that the queue only ever holds the function's own failure records.)"""
    call(scene)


@dataclass(frozen=True)
class Denied:
    service: str
    action: str
    call: Callable[[Scene], object]


DENIED: dict[str, Denied] = {
    # The source bucket is read-only to the function.
    "put into source": Denied(
        "s3",
        "s3:PutObject",
        lambda scene: _s3(scene).put_object(
            Bucket=scene.outputs.source_bucket, Key="planted.txt", Body=b"x"
        ),
    ),
    "delete from source": Denied(
        "s3",
        "s3:DeleteObject",
        lambda scene: _s3(scene).delete_object(
            Bucket=scene.outputs.source_bucket, Key=scene.processed_key
        ),
    ),
    "delete a source version": Denied(
        "s3",
        "s3:DeleteObjectVersion",
        lambda scene: _s3(scene).delete_object(
            Bucket=scene.outputs.source_bucket,
            Key=scene.processed_key,
            VersionId=scene.source_version,
        ),
    ),
    "list source versions": Denied(
        "s3",
        "s3:ListBucketVersions",
        lambda scene: _s3(scene).list_object_versions(Bucket=scene.outputs.source_bucket),
    ),
    # The destination: outputs are written and checked, never read by version nor removed.
    "read an output version": Denied(
        "s3",
        "s3:GetObjectVersion",
        lambda scene: _s3(scene).get_object(
            Bucket=scene.outputs.destination_bucket,
            Key=scene.processed_key,
            VersionId=scene.output_version,
        ),
    ),
    "list destination versions": Denied(
        "s3",
        "s3:ListBucketVersions",
        lambda scene: _s3(scene).list_object_versions(Bucket=scene.outputs.destination_bucket),
    ),
    "delete an output": Denied(
        "s3",
        "s3:DeleteObject",
        lambda scene: _s3(scene).delete_object(
            Bucket=scene.outputs.destination_bucket, Key=scene.processed_key
        ),
    ),
    "delete a report version": Denied(
        "s3",
        "s3:DeleteObjectVersion",
        lambda scene: _s3(scene).delete_object(
            Bucket=scene.outputs.destination_bucket,
            Key=f"_rejected/{scene.processed_key}.json",
            VersionId=scene.output_version,
        ),
    ),
    # Nothing else in S3.
    "list all buckets": Denied(
        "s3", "s3:ListAllMyBuckets", lambda scene: _s3(scene).list_buckets()
    ),
    "read another bucket": Denied(
        "s3",
        "s3:GetObject",
        lambda scene: _s3(scene).get_object(Bucket=scene.foreign_bucket, Key=FOREIGN_KEY),
    ),
    "list another bucket": Denied(
        "s3",
        "s3:ListBucket",
        lambda scene: _s3(scene).list_objects_v2(Bucket=scene.foreign_bucket),
    ),
    "write another bucket": Denied(
        "s3",
        "s3:PutObject",
        lambda scene: _s3(scene).put_object(Bucket=scene.foreign_bucket, Key="x", Body=b"x"),
    ),
    # No other KMS key, and only data keys with the stack's.
    "encrypt with another key": Denied(
        "kms",
        "kms:Encrypt",
        lambda scene: scene.client("kms").encrypt(KeyId=scene.foreign_key_arn, Plaintext=b"x"),
    ),
    "decrypt with another key": Denied(
        "kms",
        "kms:Decrypt",
        lambda scene: scene.client("kms").decrypt(CiphertextBlob=scene.foreign_ciphertext),
    ),
    "data key from another key": Denied(
        "kms",
        "kms:GenerateDataKey",
        lambda scene: scene.client("kms").generate_data_key(
            KeyId=scene.foreign_key_arn, KeySpec="AES_256"
        ),
    ),
    # The stack key is used through S3 and SQS only (kms:ViaService), never called directly.
    "data key from the stack key, directly": Denied(
        "kms",
        "kms:GenerateDataKey",
        lambda scene: scene.client("kms").generate_data_key(
            KeyId=scene.resources.kms_key_arn, KeySpec="AES_256"
        ),
    ),
    "encrypt with the stack key": Denied(
        "kms",
        "kms:Encrypt",
        lambda scene: scene.client("kms").encrypt(
            KeyId=scene.resources.kms_key_arn, Plaintext=b"x"
        ),
    ),
    # No invoking, and no changing the function, its trigger or its failure queue.
    "invoke the function": Denied(
        "lambda",
        "lambda:InvokeFunction",
        lambda scene: scene.client("lambda").invoke(
            FunctionName=scene.outputs.function_name, InvocationType="DryRun"
        ),
    ),
    "add a function permission": Denied(
        "lambda",
        "lambda:AddPermission",
        lambda scene: scene.client("lambda").add_permission(
            FunctionName=scene.outputs.function_name,
            StatementId="widened",
            Action="lambda:InvokeFunction",
            Principal="*",
        ),
    ),
    "change the function": Denied(
        "lambda",
        "lambda:UpdateFunctionConfiguration",
        lambda scene: scene.client("lambda").update_function_configuration(
            FunctionName=scene.outputs.function_name, Description="changed by its own role"
        ),
    ),
    "disable the rule": Denied(
        "events",
        "events:DisableRule",
        lambda scene: scene.client("events").disable_rule(Name=scene.outputs.event_rule),
    ),
    "read the failure queue": Denied(
        "sqs",
        "sqs:ReceiveMessage",
        lambda scene: scene.client("sqs").receive_message(
            QueueUrl=scene.resources.function_failure_queue_url
        ),
    ),
    "send to the event DLQ": Denied(
        "sqs",
        "sqs:SendMessage",
        lambda scene: scene.client("sqs").send_message(
            QueueUrl=scene.resources.event_dlq_url, MessageBody="x"
        ),
    ),
    # No policy changes: each would write back the policy as deployed, should it be allowed.
    "put the source bucket policy": Denied(
        "s3",
        "s3:PutBucketPolicy",
        lambda scene: _s3(scene).put_bucket_policy(
            Bucket=scene.outputs.source_bucket,
            Policy=scene.bucket_policies[scene.outputs.source_bucket],
        ),
    ),
    "put the destination bucket policy": Denied(
        "s3",
        "s3:PutBucketPolicy",
        lambda scene: _s3(scene).put_bucket_policy(
            Bucket=scene.outputs.destination_bucket,
            Policy=scene.bucket_policies[scene.outputs.destination_bucket],
        ),
    ),
    "delete the destination bucket policy": Denied(
        "s3",
        "s3:DeleteBucketPolicy",
        lambda scene: _s3(scene).delete_bucket_policy(Bucket=scene.outputs.destination_bucket),
    ),
    "put an inline policy on its role": Denied(
        "iam",
        "iam:PutRolePolicy",
        lambda scene: scene.client("iam").put_role_policy(
            RoleName=scene.resources.function_role_name,
            PolicyName="widened",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": "s3:GetObject",
                            "Resource": f"arn:aws:s3:::{scene.foreign_bucket}/*",
                        }
                    ],
                }
            ),
        ),
    ),
    "attach a managed policy to its role": Denied(
        "iam",
        "iam:AttachRolePolicy",
        lambda scene: scene.client("iam").attach_role_policy(
            RoleName=scene.resources.function_role_name,
            PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess",
        ),
    ),
    "delete its role's function policy": Denied(
        "iam",
        "iam:DeleteRolePolicy",
        lambda scene: scene.client("iam").delete_role_policy(
            RoleName=scene.resources.function_role_name, PolicyName="function"
        ),
    ),
    "change its role's trust policy": Denied(
        "iam",
        "iam:UpdateAssumeRolePolicy",
        lambda scene: scene.client("iam").update_assume_role_policy(
            RoleName=scene.resources.function_role_name,
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Action": "sts:AssumeRole",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                        }
                    ],
                }
            ),
        ),
    ),
    "put the stack key's policy": Denied(
        "kms",
        "kms:PutKeyPolicy",
        lambda scene: scene.client("kms").put_key_policy(
            KeyId=scene.resources.kms_key_arn, PolicyName="default", Policy=scene.key_policy
        ),
    ),
    "set the failure queue's policy": Denied(
        "sqs",
        "sqs:SetQueueAttributes",
        lambda scene: scene.client("sqs").set_queue_attributes(
            QueueUrl=scene.resources.function_failure_queue_url,
            Attributes={"Policy": scene.failure_queue_policy},
        ),
    ),
}


@pytest.mark.behaviour("identity-policies-are-enforced", emulator="ministack")
@pytest.mark.parametrize("denied", DENIED.values(), ids=DENIED.keys())
def test_the_role_is_denied_everything_else(scene: Scene, denied: Denied) -> None:
    """Each call outside the function's needs is refused: no identity-based policy of the role
    allows it (the service's denial code and message, naming the role's session)."""
    assert_not_allowed(
        lambda: denied.call(scene), service=denied.service, action=denied.action, who=scene.role.arn
    )


LEAST_PRIVILEGE = Scenario(
    "least-privilege",
    title="Least privilege, enforced (AUTH=true, TLS only)",
    done=(
        "applied the hardened root unchanged to a MiniStack enforcing IAM over TLS; assumed the "
        "function's role through STS; tried what the function needs and everything else: the "
        "other bucket, other keys, invoking, listing, changing policies"
    ),
    asserts=(
        "every call the function needs succeeded under the role; every other call was refused "
        "with the service's denial code and 'no identity-based policy allows' message"
    ),
    target="ministack (AUTH=true, TLS)",
)


@pytest.mark.reliability(LEAST_PRIVILEGE)
def test_the_least_privilege_figures_are_recorded(scene: Scene, reliability: Evidence) -> None:
    """Every control allowed and every denial refused once more, counted for the report."""
    not_allowed = failing({name: functools.partial(call, scene) for name, call in ALLOWED.items()})
    not_denied = failing(
        {
            name: functools.partial(
                assert_not_allowed,
                functools.partial(denied.call, scene),
                service=denied.service,
                action=denied.action,
                who=scene.role.arn,
            )
            for name, denied in DENIED.items()
        }
    )
    reliability.figure("controls allowed", f"{len(ALLOWED) - len(not_allowed)} of {len(ALLOWED)}")
    reliability.figure("calls denied", f"{len(DENIED) - len(not_denied)} of {len(DENIED)}")
    assert not_allowed == {}
    assert not_denied == {}


def failing(checks: dict[str, Callable[[], object]]) -> dict[str, str]:
    """The checks that did not hold, each with its error: every check is run."""
    failed: dict[str, str] = {}
    for name, check in checks.items():
        try:
            check()
        except (AssertionError, ClientError, pytest.fail.Exception) as error:
            failed[name] = f"{type(error).__name__}: {error}"
    return failed
