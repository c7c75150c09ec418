"""A function Terraform creates anew is invoked by the rule after one apply; one updated in place
keeps what it has.

Lambda deletes a function's resource policy (the rule's permission), its event invoke config and
its recursion config with it. The plan that creates the function again makes them again
(`replace_triggered_by` on the function's ARN, which a plan leaves unknown only for a function it
creates); a plan that updates the function's code in place, as every deploy does, replaces none
of them. The shared stack's function is replaced once, and the stack left as it was found: the
same function, code and settings (applied again, should the replacement have lost some).
"""

from __future__ import annotations

import io
import json
import time
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.pipeline import Pipeline
from harness.stack import Stack, StackOutputs
from kit.paths import REPO_ROOT

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

FUNCTION = "module.function.aws_lambda_function.this"
PERMISSION = "aws_lambda_permission.eventbridge"
EVENT_INVOKE_CONFIG = "module.function.aws_lambda_function_event_invoke_config.this"
RECURSION_CONFIG = "module.function.aws_lambda_function_recursion_config.this"
#: The rule's target: it holds the function's ARN, unknown in the plan until the new one exists.
RULE_TARGET = "aws_cloudwatch_event_target.function"

SAMPLE = REPO_ROOT / "triggerFile.txt"
EXPECTED_OUTPUT = b"sbx|dev|tst|prd|srd\n7101|3501|0862|4284|7437\n23185\n"
WAIT_SECONDS = 90.0
REPLACEMENT_PLAN = "replace-function.tfplan"


def changes(plan: dict[str, Any]) -> dict[str, list[str]]:
    """The actions of each resource a plan (`terraform show -json`) would change."""
    return {
        change["address"]: change["change"]["actions"]
        for change in plan["resource_changes"]
        if change["change"]["actions"] not in (["no-op"], ["read"])
    }


def planned(stack: Stack, *options: str, plan_file: str = "other-code.tfplan") -> dict[str, Any]:
    """The plan (`terraform show -json`) of the stack with `options`; the plan file is removed."""
    terraform = stack.terraform
    try:
        terraform.run(
            "plan",
            "-input=false",
            "-no-color",
            f"-out={plan_file}",
            *options,
            *terraform.variable_args,
        )
        shown: dict[str, Any] = json.loads(terraform.run("show", "-json", plan_file).stdout)
    finally:
        (terraform.workdir / plan_file).unlink(missing_ok=True)
    return shown


def rule_statements(functions: LambdaClient, name: str, rule: str) -> list[dict[str, Any]]:
    """The statements of the function's resource policy that let `rule` invoke it."""
    try:
        policy = json.loads(functions.get_policy(FunctionName=name)["Policy"])
    except functions.exceptions.ResourceNotFoundException:
        return []  # no resource policy at all
    return [
        statement
        for statement in policy["Statement"]
        if statement["Principal"] == {"Service": "events.amazonaws.com"}
        and statement["Action"] == "lambda:InvokeFunction"
        and statement.get("Condition", {})
        .get("ArnLike", {})
        .get("AWS:SourceArn", "")
        .endswith(f"rule/{rule}")
    ]


def has_event_invoke_config(functions: LambdaClient, name: str) -> bool:
    try:
        functions.get_function_event_invoke_config(FunctionName=name)
    except functions.exceptions.ResourceNotFoundException:
        return False
    return True


def other_package(path: Path) -> Path:
    """A package that is not this commit's: a handler that does nothing."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("pipesum/handler.py", "def handle(event, context):\n    return None\n")
    path.write_bytes(buffer.getvalue())
    return path


def test_code_updated_in_place_replaces_none_of_the_functions_dependants(
    stack: Stack, tmp_path: Path
) -> None:
    # GIVEN another package than the deployed one
    package = other_package(tmp_path / "other-function.zip")
    # WHEN Terraform plans it (a plan only: the stack is left as it is)
    plan = planned(stack, f"-var=lambda_zip_path={package}")
    # THEN the function's code is updated in place, and nothing else changes
    assert changes(plan) == {FUNCTION: ["update"]}


def test_function_replaced_by_terraform_is_invoked_by_the_rule_after_one_apply(
    stack: Stack,
    outputs: StackOutputs,
    pipeline: Pipeline,
    lambda_client: LambdaClient,
    unique_key: str,
) -> None:
    terraform = stack.terraform
    name = outputs.function_name
    assert rule_statements(lambda_client, name, outputs.event_rule) != []
    left_as_found = False
    try:
        # GIVEN the plan of `terraform apply -replace` of the function
        terraform.run(
            "plan",
            "-input=false",
            "-no-color",
            f"-replace={FUNCTION}",
            f"-out={REPLACEMENT_PLAN}",
            *terraform.variable_args,
        )
        plan = json.loads(terraform.run("show", "-json", REPLACEMENT_PLAN).stdout)
        # WHEN it is applied, once
        terraform.run("apply", "-input=false", "-no-color", REPLACEMENT_PLAN)

        # THEN the rule may invoke the new function, which has its asynchronous settings again
        assert len(rule_statements(lambda_client, name, outputs.event_rule)) == 1
        assert has_event_invoke_config(lambda_client, name)

        # AND a follow-up plan finds nothing to change
        follow_up = terraform.run(
            "plan",
            "-input=false",
            "-no-color",
            "-detailed-exitcode",
            *terraform.variable_args,
            check=False,
        )
        assert follow_up.returncode == 0, follow_up.stdout[-3000:] + follow_up.stderr[-2000:]
        left_as_found = True

        # AND the rule invokes it: the sample file comes out with its sum row
        dropped_at = time.time()
        pipeline.drop(unique_key, SAMPLE.read_bytes())
        outcome = pipeline.wait_for_outcome(unique_key, timeout=WAIT_SECONDS, since=dropped_at)
        assert (outcome.kind, outcome.body) == ("output", EXPECTED_OUTPUT)

        # AND that was the plan's doing: it replaced what Lambda deletes with the function
        # (the rule's target only learns the new function's ARN, the same one)
        delete_create = ["delete", "create"]
        assert changes(plan) == {
            FUNCTION: delete_create,
            PERMISSION: delete_create,
            EVENT_INVOKE_CONFIG: delete_create,
            RECURSION_CONFIG: delete_create,
            RULE_TARGET: ["update"],
        }
    finally:
        (terraform.workdir / REPLACEMENT_PLAN).unlink(missing_ok=True)
        # The shared stack as it was found, for the tests after this one.
        if not left_as_found and stack.drift():
            stack.apply()
