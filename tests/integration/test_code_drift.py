"""Code replaced by hand: verify names it, and the deploy `make up` runs replaces it in place.

The stack of this module runs on an emulator of its own (on MiniStack; on another target, as a
stack of its own beside the shared one), because its function's code is replaced by hand.
docs/decisions/0011-code-drift-make-up-repairs.md says why the repair goes through the state.
"""

from __future__ import annotations

import io
import json
import time
import uuid
import zipfile
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from harness.checks import Check, Kind, Repairs
from harness.code_drift import FUNCTION_ADDRESS
from harness.package import code_sha256
from harness.pipeline import Pipeline
from harness.stack import Stack, throwaway_stack
from harness.verify import CODE, verify
from providers import Target, make_target

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

WAIT_SECONDS = 90.0
BODY = b"a|b\n20|22\n"


@pytest.fixture(scope="module")
def own_stack(target: Target, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Dev's stack, deployed once, on a target of this module's own (a new emulator on
    MiniStack; beside the shared stack on a target the harness does not start)."""
    state_dir = tmp_path_factory.mktemp("code-drift")
    own = make_target(target.name, state_dir=state_dir)
    with (
        own as connection,
        throwaway_stack(
            own, connection, state_dir, environment=f"cd-{uuid.uuid4().hex[:6]}"
        ) as stack,
    ):
        yield stack
        own.stop()  # the stack goes with its emulator: the shared stacks' teardown tests destroy


def changed_addresses(plan: dict[str, Any]) -> list[str]:
    """The resources a plan (`terraform show -json`) would change."""
    return sorted(
        change["address"]
        for change in plan["resource_changes"]
        if change["change"]["actions"] not in (["no-op"], ["read"])
    )


def other_code() -> bytes:
    """A package that is not this commit's: a handler that does nothing."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("pipesum/handler.py", "def handle(event, context):\n    return None\n")
    return buffer.getvalue()


def invoke_config(functions: LambdaClient, name: str) -> dict[str, Any]:
    found = dict(functions.get_function_event_invoke_config(FunctionName=name))
    found.pop("ResponseMetadata")
    return found


def test_code_replaced_by_hand_is_replaced_in_place_by_the_deploy_of_make_up(
    own_stack: Stack,
) -> None:
    stack = own_stack
    outputs = stack.outputs()
    functions: LambdaClient = stack.connection.session().client(
        "lambda", endpoint_url=stack.connection.endpoint_url
    )
    name = outputs.function_name
    packaged = code_sha256(stack.zip_path)
    expected_plan = stack.terraform.plan_json(refresh=False)
    policy_before = json.loads(functions.get_policy(FunctionName=name)["Policy"])
    invoke_config_before = invoke_config(functions, name)

    # GIVEN the function's code replaced by hand through the Lambda API
    replaced = functions.update_function_code(FunctionName=name, ZipFile=other_code())
    by_hand = replaced["CodeSha256"]
    assert by_hand != packaged
    functions.get_waiter("function_updated_v2").wait(FunctionName=name)

    # THEN verify names it, and names `make up` as its repair
    report = verify(
        stack,
        target_name="code drift",
        repairs=Repairs.sandbox(),
        expected_plan=expected_plan,
    )
    function_failures = [check for check in report.failures if check.resource == FUNCTION_ADDRESS]
    assert function_failures == [Check(FUNCTION_ADDRESS, CODE, packaged, by_hand, Kind.CODE)]
    assert report.repairs.of(function_failures[0]) == (
        "run `make up`: it deploys the package built from this commit"
    )

    # WHEN the deploy of `make up` runs (cli.up: prepare, then apply)
    said: list[str] = []
    stack.prepare()
    stack.apply(said.append)

    # THEN it said what it found and replaced the code with this commit's package
    assert said == [
        (
            f"- the deployed code (sha256 {by_hand}) is not this commit's package "
            f"({packaged}): replacing it"
        )
    ]
    assert functions.get_function_configuration(FunctionName=name)["CodeSha256"] == packaged

    # AND in place: the rule may still invoke the function, its invoke config is untouched
    policy_after = json.loads(functions.get_policy(FunctionName=name)["Policy"])
    assert policy_after == policy_before
    [statement] = policy_after["Statement"]
    assert statement["Principal"] == {"Service": "events.amazonaws.com"}
    assert statement["Condition"]["ArnLike"]["AWS:SourceArn"].endswith(f"rule/{outputs.event_rule}")
    assert invoke_config(functions, name) == invoke_config_before

    # AND the plan is again what it was right after the deploy
    assert changed_addresses(stack.terraform.plan_json()) == []  # as right after a deploy

    # AND the pipeline processes a dropped file with this commit's code
    pipeline = Pipeline(outputs, stack.connection)
    key = f"code-drift-{uuid.uuid4().hex[:8]}/triggerFile.txt"
    dropped_at = time.time()
    pipeline.drop(key, BODY)
    outcome = pipeline.wait_for_outcome(key, timeout=WAIT_SECONDS, since=dropped_at)
    assert (outcome.kind, outcome.body) == ("output", BODY + b"42\n")
