"""Least privilege, enforced: a second MiniStack that evaluates IAM and serves only TLS.

The emulator runs with AUTH=true (identity, bucket, queue, key and function policies are
evaluated, and the function runs under its own role) and USE_SSL=1 (HTTPS only, on a self-signed
certificate it makes at start and its Lambda workers trust by themselves). The hardened Terraform
root is applied to it as it is: no policy is loosened for the emulator, the TLS-only ones
included. Whatever `--target` says, this suite runs on this emulator of its own, and under
pytest-xdist on a worker of its own (the `secure` group), beside the main stack.

Two identities reach it:

- the admin: the account's root ("test" under AUTH=true), which Terraform deploys with and which
  every policy lets through (`admin_client`);
- the function's role, assumed through STS (`function_role`), whose denials are the point.

The deployed trust policy lets only lambda.amazonaws.com assume the role (with aws:SourceAccount),
so no test principal can: `function_role` adds a test-only statement trusting the account root for
the time of one AssumeRole call, and puts the deployed trust policy back right after.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import pytest

from harness.pipeline import Pipeline
from harness.stack import Stack, StackOutputs, throwaway_stack
from kit.corpus import DEFAULT_MAX_BYTES
from providers import Connection
from providers.ministack import MiniStack
from tests.integration.secure.support import (
    ROLE_SESSION_NAME,
    SMALL_INPUT,
    SMALL_OUTPUT,
    WAIT_SECONDS,
    ClientFactory,
    Identity,
    SecureResources,
)

if TYPE_CHECKING:
    import boto3

TEST_TRUST_SID = "TestOnlyAccountRootAssumesTheRole"


@pytest.fixture(scope="session")
def secure_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MiniStack]:
    """A started MiniStack of its own, with IAM enforced and TLS only; stopped at the end."""
    emulator = MiniStack(
        state_dir=tmp_path_factory.mktemp("secure-target"), enforce_iam=True, tls=True
    )
    try:
        emulator.start()
        yield emulator
    finally:
        emulator.stop()


@pytest.fixture(scope="session")
def secure_connection(secure_target: MiniStack) -> Connection:
    """The admin: the account root's credentials, trusting the emulator's certificate."""
    return secure_target.connection()


@pytest.fixture(scope="session")
def secure_stack(
    secure_target: MiniStack,
    secure_connection: Connection,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Stack]:
    """The hardened root from this checkout, applied as the admin; gone with its emulator."""
    with throwaway_stack(
        secure_target,
        secure_connection,
        tmp_path_factory.mktemp("secure-stack"),
        environment=f"sec-{uuid.uuid4().hex[:6]}",
        extra_variables={"max_input_bytes": DEFAULT_MAX_BYTES},
    ) as deployed:
        yield deployed
        # The stack goes with its emulator: the shared stacks' teardown tests destroy.
        secure_target.stop()


@pytest.fixture(scope="session")
def secure_outputs(secure_stack: Stack) -> StackOutputs:
    return secure_stack.outputs()


@pytest.fixture(scope="session")
def admin_client(secure_connection: Connection) -> ClientFactory:
    """Clients as the account's root, which MiniStack lets do anything, policies notwithstanding."""
    session = secure_connection.session()
    clients: dict[str, Any] = {}

    def client(service: str) -> Any:
        if service not in clients:
            clients[service] = session.client(  # type: ignore[call-overload]
                service, endpoint_url=secure_connection.endpoint_url
            )
        return clients[service]

    return client


@pytest.fixture(scope="session")
def secure_resources(
    secure_stack: Stack, secure_outputs: StackOutputs, admin_client: ClientFactory
) -> SecureResources:
    raw = secure_stack.terraform.outputs()
    role_arn: str = admin_client("lambda").get_function_configuration(
        FunctionName=secure_outputs.function_name
    )["Role"]
    return SecureResources(
        account_id=admin_client("sts").get_caller_identity()["Account"],
        function_arn=raw["lambda_function_arn"],
        function_role_arn=role_arn,
        function_role_name=role_arn.rsplit("/", 1)[-1],
        kms_key_arn=raw["kms_key_arn"],
        event_rule_arn=admin_client("events").describe_rule(Name=secure_outputs.event_rule)["Arn"],
        function_failure_queue_url=raw["function_failure_queue_url"],
        function_failure_queue_arn=raw["function_failure_queue_arn"],
        event_dlq_url=raw["event_dlq_url"],
        event_dlq_arn=raw["event_dlq_arn"],
    )


@pytest.fixture(scope="session")
def secure_pipeline(secure_outputs: StackOutputs, secure_connection: Connection) -> Pipeline:
    """Drops and reads outcomes as the admin; the function itself runs under its role."""
    return Pipeline(secure_outputs, secure_connection)


@pytest.fixture(scope="session")
def processed_key(secure_pipeline: Pipeline) -> str:
    """A file the function has processed: its input in the source, its output in the destination."""
    key = f"processed-{uuid.uuid4().hex[:8]}/triggerFile.txt"
    dropped_at = time.time()
    secure_pipeline.drop(key, SMALL_INPUT)
    outcome = secure_pipeline.wait_for_outcome(key, timeout=WAIT_SECONDS, since=dropped_at)
    assert (outcome.kind, outcome.key, outcome.body) == ("output", key, SMALL_OUTPUT)
    return key


@pytest.fixture(scope="session")
def function_role(
    secure_connection: Connection, secure_resources: SecureResources, admin_client: ClientFactory
) -> Identity:
    """The function's role, assumed through sts:AssumeRole by the account root.

    Test only: for that one call the role's trust policy also trusts the account root (whose
    identity may assume any role); the deployed trust policy is put back at once, and checked.
    The credentials stay valid after that, as STS credentials do.
    """
    iam = admin_client("iam")
    role_name = secure_resources.function_role_name
    deployed = iam.get_role(RoleName=role_name)["Role"]["AssumeRolePolicyDocument"]
    trust_the_tests = {
        "Sid": TEST_TRUST_SID,
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{secure_resources.account_id}:root"},
        "Action": "sts:AssumeRole",
    }
    widened = {**deployed, "Statement": [*deployed["Statement"], trust_the_tests]}
    iam.update_assume_role_policy(RoleName=role_name, PolicyDocument=json.dumps(widened))
    try:
        assumed = admin_client("sts").assume_role(
            RoleArn=secure_resources.function_role_arn, RoleSessionName=ROLE_SESSION_NAME
        )
    finally:
        iam.update_assume_role_policy(RoleName=role_name, PolicyDocument=json.dumps(deployed))
    assert iam.get_role(RoleName=role_name)["Role"]["AssumeRolePolicyDocument"] == deployed
    credentials = assumed["Credentials"]
    return Identity(
        connection=replace(
            secure_connection,
            access_key_id=credentials["AccessKeyId"],
            secret_access_key=credentials["SecretAccessKey"],
            session_token=credentials["SessionToken"],
        ),
        arn=assumed["AssumedRoleUser"]["Arn"],
    )


@pytest.fixture(scope="session")
def function_role_session(function_role: Identity) -> boto3.Session:
    return function_role.session()


@pytest.fixture
def iam_user(
    secure_connection: Connection, admin_client: ClientFactory
) -> Iterator[Callable[[dict[str, object] | None], Identity]]:
    """Make IAM users of this account with an access key and an optional inline policy.

    Each is deleted (policy, key, user) at the end of the test. The `arn` is the user's.
    """
    iam = admin_client("iam")
    made: list[tuple[str, str, bool]] = []

    def make(policy: dict[str, object] | None = None) -> Identity:
        name = f"pipesum-probe-{uuid.uuid4().hex[:8]}"
        arn = iam.create_user(UserName=name)["User"]["Arn"]
        key = iam.create_access_key(UserName=name)["AccessKey"]
        made.append((name, key["AccessKeyId"], policy is not None))
        if policy is not None:
            iam.put_user_policy(
                UserName=name, PolicyName="probe", PolicyDocument=json.dumps(policy)
            )
        connection = replace(
            secure_connection,
            access_key_id=key["AccessKeyId"],
            secret_access_key=key["SecretAccessKey"],
        )
        return Identity(connection=connection, arn=arn)

    yield make
    for name, access_key_id, has_policy in made:
        if has_policy:
            iam.delete_user_policy(UserName=name, PolicyName="probe")
        iam.delete_access_key(UserName=name, AccessKeyId=access_key_id)
        iam.delete_user(UserName=name)
