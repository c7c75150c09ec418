"""Code replaced by hand: found in a plan's refreshed state, recorded in the state, re-planned."""

from __future__ import annotations

import copy
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

from harness import code_drift as code_drift_module
from harness.code_drift import (
    FUNCTION_ADDRESS,
    PUSHED_STATE,
    CodeDrift,
    code_drift,
    plan_this_commit,
    recording,
)
from harness.terraform import TERRAFORM_ROOT, Terraform, TerraformError

PACKAGED = "ktiwbEaXRMOEuvo48rTg6VKRLdwHU6noYNnshuc/94c="
BY_HAND = "0vm3UU/+qT+f/O2SmQbEJLnZRKc+GtsuPXKPOS2vPn8="


def shown_plan(
    deployed: str | None, recorded: str | None, *, after: str | None = PACKAGED
) -> dict[str, Any]:
    """A plan as `terraform show -json` prints it, the function refreshed as `deployed`."""
    function = {
        "address": FUNCTION_ADDRESS,
        "mode": "managed",
        "type": "aws_lambda_function",
        "values": {"function_name": "f", "code_sha256": deployed, "source_code_hash": recorded},
    }
    prior = {
        "values": {
            "root_module": {
                "resources": [{"address": "aws_s3_bucket.source", "values": {}}],
                "child_modules": [{"address": "module.function", "resources": [function]}],
            }
        }
    }
    change = {
        "address": FUNCTION_ADDRESS,
        "change": {
            "actions": ["update"] if after else ["delete"],
            "before": function["values"],
            "after": after and {"source_code_hash": after},
        },
    }
    return {"prior_state": prior, "resource_changes": [change]}


def pulled_state() -> dict[str, Any]:
    """A state as `terraform state pull` prints it: the function and one other resource."""
    return {
        "version": 4,
        "serial": 41,
        "lineage": "3f1c-lineage",
        "resources": [
            {
                "mode": "managed",
                "type": "aws_s3_bucket",
                "name": "this",
                "module": "module.source_bucket",
                "instances": [{"attributes": {"bucket": "b"}}],
            },
            {
                "mode": "managed",
                "type": "aws_lambda_function",
                "name": "this",
                "module": "module.function",
                "instances": [
                    {
                        "attributes": {
                            "function_name": "f",
                            "code_sha256": PACKAGED,
                            "source_code_hash": PACKAGED,
                        }
                    }
                ],
            },
        ],
    }


def test_code_the_state_records_is_no_drift() -> None:
    assert code_drift(shown_plan(PACKAGED, PACKAGED)) is None


def test_nothing_deployed_yet_is_no_drift() -> None:
    assert code_drift({"resource_changes": []}) is None
    assert code_drift({"prior_state": {"values": {"root_module": {}}}}) is None


def test_code_replaced_by_hand_is_found_in_the_refreshed_state() -> None:
    assert code_drift(shown_plan(BY_HAND, PACKAGED)) == CodeDrift(
        deployed=BY_HAND, recorded=PACKAGED, packaged=PACKAGED
    )


def test_a_function_the_plan_deletes_has_no_code_to_replace() -> None:
    assert code_drift(shown_plan(BY_HAND, PACKAGED, after=None)) is None


def test_the_user_is_told_what_runs_and_what_replaces_it() -> None:
    drift = CodeDrift(deployed=BY_HAND, recorded=PACKAGED, packaged=PACKAGED)
    assert drift.describe() == (
        f"the deployed code (sha256 {BY_HAND}) is not this commit's package ({PACKAGED}): "
        "replacing it"
    )
    stale_state = CodeDrift(deployed=PACKAGED, recorded=BY_HAND, packaged=PACKAGED)
    assert stale_state.describe() == (
        f"the function runs this commit's package (sha256 {PACKAGED}), which the state did "
        f"not record ({BY_HAND}): state corrected"
    )


def test_recording_changes_the_function_s_code_hashes_and_the_serial_only() -> None:
    state = pulled_state()
    untouched = copy.deepcopy(state)

    recorded = recording(state, BY_HAND)

    assert state == untouched
    expected = copy.deepcopy(untouched)
    expected["serial"] = 42
    expected["resources"][1]["instances"][0]["attributes"] |= {
        "code_sha256": BY_HAND,
        "source_code_hash": BY_HAND,
    }
    assert recorded == expected


def test_recording_in_a_state_without_the_function_says_so() -> None:
    state = pulled_state()
    del state["resources"][1]
    with pytest.raises(TerraformError, match=re.escape(f"no single {FUNCTION_ADDRESS}")):
        recording(state, BY_HAND)


def test_the_address_is_the_configuration_s_function() -> None:
    root = (TERRAFORM_ROOT / "main.tf").read_text()
    module = (TERRAFORM_ROOT / "modules" / "function" / "main.tf").read_text()
    assert re.search(r'^module "function" \{\n\s+source\s+= "./modules/function"$', root, re.M)
    assert re.search(r'^resource "aws_lambda_function" "this" \{$', module, re.M)
    assert FUNCTION_ADDRESS == "module.function.aws_lambda_function.this"


class ScriptedTerraform(Terraform):
    """Terraform whose commands answer from a script; what was pushed is kept."""

    def __init__(self, workdir: Path, plans: list[dict[str, Any]]) -> None:
        super().__init__(workdir, {}, variable_args=("-var-file=envs/dev.tfvars",))
        self.plans = plans
        self.commands: list[tuple[str, ...]] = []
        self.pushed: list[dict[str, Any]] = []

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:  # noqa: ARG002  (Terraform.run's)
        self.commands.append(args)
        output = ""
        if args[0] == "show":
            output = json.dumps(self.plans.pop(0))
        elif args[:2] == ("state", "pull"):
            output = json.dumps(pulled_state())
        elif args[:2] == ("state", "push"):
            self.pushed.append(json.loads((self.workdir / args[2]).read_text()))
        return subprocess.CompletedProcess(args, 0, output, "")


def test_no_drift_is_one_plan(tmp_path: Path) -> None:
    terraform = ScriptedTerraform(tmp_path, [shown_plan(PACKAGED, PACKAGED)])

    assert plan_this_commit(terraform, "dev.tfplan") is None

    assert terraform.commands == [
        ("plan", "-input=false", "-no-color", "-out=dev.tfplan", "-var-file=envs/dev.tfvars"),
        ("show", "-json", "dev.tfplan"),
    ]


def test_drift_is_recorded_in_the_state_and_planned_again(tmp_path: Path) -> None:
    terraform = ScriptedTerraform(
        tmp_path, [shown_plan(BY_HAND, PACKAGED), shown_plan(BY_HAND, BY_HAND)]
    )

    drift = plan_this_commit(terraform, "dev.tfplan")

    assert drift == CodeDrift(deployed=BY_HAND, recorded=PACKAGED, packaged=PACKAGED)
    plan = ("plan", "-input=false", "-no-color", "-out=dev.tfplan", "-var-file=envs/dev.tfvars")
    show = ("show", "-json", "dev.tfplan")
    assert terraform.commands == [
        plan,
        show,
        ("state", "pull"),
        ("state", "push", PUSHED_STATE),
        plan,
        show,
    ]
    assert terraform.pushed == [recording(pulled_state(), BY_HAND)]
    assert not (tmp_path / PUSHED_STATE).exists()


def test_read_only_drift_is_planned_again_as_the_function_s_replacement(tmp_path: Path) -> None:
    """CI's plan role may not write the state: the plan replaces the function instead."""
    terraform = ScriptedTerraform(
        tmp_path, [shown_plan(BY_HAND, PACKAGED), shown_plan(BY_HAND, PACKAGED)]
    )

    drift = plan_this_commit(terraform, "prod.tfplan", read_only=True)

    assert drift == CodeDrift(deployed=BY_HAND, recorded=PACKAGED, packaged=PACKAGED)
    out = ("-input=false", "-no-color", "-out=prod.tfplan")
    assert terraform.commands == [
        ("plan", *out, "-var-file=envs/dev.tfvars"),
        ("show", "-json", "prod.tfplan"),
        ("plan", *out, f"-replace={FUNCTION_ADDRESS}", "-var-file=envs/dev.tfvars"),
        ("show", "-json", "prod.tfplan"),
    ]
    assert terraform.pushed == []


def test_read_only_drift_with_a_new_package_is_the_plan_s_code_update(tmp_path: Path) -> None:
    """The state's hash is not this commit's: the plan updates the code anyway, in place."""
    new_package = "bmV3IHBhY2thZ2U="
    terraform = ScriptedTerraform(tmp_path, [shown_plan(BY_HAND, PACKAGED, after=new_package)])

    drift = plan_this_commit(terraform, "prod.tfplan", read_only=True)

    assert drift == CodeDrift(deployed=BY_HAND, recorded=PACKAGED, packaged=new_package)
    assert [command[0] for command in terraform.commands] == ["plan", "show"]


def test_make_deploy_plan_plans_terraform_itself_with_its_arguments(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    planned: list[tuple[Terraform, str]] = []

    def plan(terraform: Terraform, plan_file: str, *, read_only: bool) -> CodeDrift:
        assert not read_only
        planned.append((terraform, plan_file))
        return CodeDrift(deployed=BY_HAND, recorded=PACKAGED, packaged=PACKAGED)

    monkeypatch.setattr(code_drift_module, "plan_this_commit", plan)

    status = code_drift_module.main(
        ["--out", "dev.tfplan", "--", "-var-file=envs/dev.tfvars", "-var", "git_commit=abc"]
    )

    assert status == 0
    [(terraform, plan_file)] = planned
    assert (terraform.workdir, terraform.command, plan_file) == (
        TERRAFORM_ROOT,
        "terraform",
        "dev.tfplan",
    )
    assert terraform.variable_args == ("-var-file=envs/dev.tfvars", "-var", "git_commit=abc")
    assert capsys.readouterr().out == (
        "- planning terraform/ into terraform/dev.tfplan ...\n"
        f"- the deployed code (sha256 {BY_HAND}) is not this commit's package ({PACKAGED}): "
        "replacing it\n"
    )


def test_a_plan_that_fails_is_an_error_with_terraform_s_words(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def plan(terraform: Terraform, plan_file: str, *, read_only: bool) -> CodeDrift:  # noqa: ARG001  (plan_this_commit's)
        raise TerraformError("`terraform state push` failed (exit 1): Error acquiring the lock")

    monkeypatch.setattr(code_drift_module, "plan_this_commit", plan)

    assert code_drift_module.main(["--out", "dev.tfplan"]) == 1
    assert capsys.readouterr().out.splitlines()[-1] == (
        "error: `terraform state push` failed (exit 1): Error acquiring the lock"
    )
