"""Code replaced by hand: make the state record what the function runs, so the plan replaces it.

The aws provider (5.100.0) plans the function's code from `source_code_hash`, which it compares
with its own state and never reads back from the function: code uploaded by hand (`aws lambda
update-function-code`) would survive every apply. Its read does refresh `code_sha256` from the
function's CodeSha256. So a deployment is planned into a file, and when the refreshed
`code_sha256` is not the `source_code_hash` the state recorded, the state is made to record the
code that runs (`terraform state pull` / `state push`) and the plan is made again: it then
updates the code in place (UpdateFunctionCode), as for a new commit. docs/decisions/0011.

`python -m harness.code_drift --out ENV.tfplan -- TERRAFORM_PLAN_ARGS` does this in terraform/
for a real account (`make deploy-plan`); the harness's stacks do it on every deploy. A deployer
that may not write the state (CI's plan role: `--read-only`) plans the function's replacement
instead, when the plan would not otherwise touch its code: the rule's permission and the event
invoke config are replaced with it (replace_triggered_by), so one apply restores the pipeline.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from harness.terraform import TERRAFORM_ROOT, Terraform, TerraformError

FUNCTION_MODULE, FUNCTION_NAME = "module.function", "this"
FUNCTION_ADDRESS = f"{FUNCTION_MODULE}.aws_lambda_function.{FUNCTION_NAME}"
DEPLOY_PLAN = "pipesum-deploy.tfplan"
PUSHED_STATE = "pipesum-code-drift.tfstate"


@dataclass(frozen=True)
class CodeDrift:
    """The function runs code its state does not record."""

    deployed: str  #: CodeSha256 of the code the function runs (the refreshed code_sha256)
    recorded: str | None  #: source_code_hash in the state: what Terraform believes it deployed
    packaged: str  #: source_code_hash of the configuration: this commit's package

    def describe(self) -> str:
        if self.deployed == self.packaged:
            return (
                f"the function runs this commit's package (sha256 {self.packaged}), which the "
                f"state did not record ({self.recorded}): state corrected"
            )
        return (
            f"the deployed code (sha256 {self.deployed}) is not this commit's package "
            f"({self.packaged}): replacing it"
        )


def code_drift(plan: Mapping[str, Any]) -> CodeDrift | None:
    """What a plan (`terraform show -json PLAN`) found the function running, if not recorded.

    The plan's prior_state is the state as refreshed: code_sha256 is the function's CodeSha256,
    source_code_hash is what the last apply recorded.
    """
    prior = _find(plan.get("prior_state", {}).get("values", {}).get("root_module", {}))
    if prior is None:
        return None  # not deployed yet, or deleted by hand: the plan creates it
    deployed = prior["values"].get("code_sha256")
    recorded = prior["values"].get("source_code_hash")
    if not deployed or deployed == recorded:
        return None
    change = next(
        (r for r in plan.get("resource_changes", []) if r["address"] == FUNCTION_ADDRESS), None
    )
    if change is None or not change["change"].get("after"):
        return None  # the plan deletes the function: nothing to replace
    return CodeDrift(deployed, recorded, change["change"]["after"]["source_code_hash"])


def _find(module: Mapping[str, Any]) -> Mapping[str, Any] | None:
    return next((r for r in _resources(module) if r["address"] == FUNCTION_ADDRESS), None)


def _resources(module: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    yield from module.get("resources", [])
    for child in module.get("child_modules", []):
        yield from _resources(child)


def recording(state: Mapping[str, Any], deployed: str) -> dict[str, Any]:
    """`state` (as `terraform state pull` prints it), as its next serial, recording that the
    function runs the code `deployed`."""
    updated = copy.deepcopy(dict(state))
    function = next(
        (
            resource
            for resource in updated.get("resources", [])
            if resource.get("module") == FUNCTION_MODULE
            and resource.get("mode") == "managed"
            and resource.get("type") == "aws_lambda_function"
            and resource.get("name") == FUNCTION_NAME
        ),
        None,
    )
    if function is None or len(function.get("instances", [])) != 1:
        raise TerraformError(
            f"The state holds no single {FUNCTION_ADDRESS} to record the deployed code in. "
            "Run `terraform state list` in the working directory to see what it holds."
        )
    attributes = function["instances"][0]["attributes"]
    attributes["source_code_hash"] = deployed
    attributes["code_sha256"] = deployed
    updated["serial"] = int(state["serial"]) + 1
    return updated


def record_deployed_code(terraform: Terraform, deployed: str) -> None:
    """Make the state say the function runs `deployed`: `state pull`, edit, `state push`.

    The push is refused (and this raises) when anyone wrote the state since the pull: same
    lineage and serial checks as any push, under the backend's lock.
    """
    state = json.loads(terraform.run("state", "pull").stdout)
    pushed = terraform.workdir / PUSHED_STATE
    pushed.write_text(json.dumps(recording(state, deployed), indent=2) + "\n")
    try:
        terraform.run("state", "push", PUSHED_STATE)
    finally:
        pushed.unlink(missing_ok=True)


def plan_this_commit(
    terraform: Terraform, plan_file: str = DEPLOY_PLAN, *, read_only: bool = False
) -> CodeDrift | None:
    """Plan the configuration into `plan_file` (in the working directory), code drift included.

    Returns the drift found, if any: the state then records it and the plan replaces the code;
    `read_only`, the state is left as it is and the plan replaces the function, unless it
    changes the code already (the state's hash is not this commit's).
    """
    drift = code_drift(_plan(terraform, plan_file))
    if drift is None:
        return None
    if not read_only:
        record_deployed_code(terraform, drift.deployed)
        _plan(terraform, plan_file)
    elif drift.recorded == drift.packaged:
        _plan(terraform, plan_file, f"-replace={FUNCTION_ADDRESS}")
    return drift


def _plan(terraform: Terraform, plan_file: str, *extra: str) -> dict[str, Any]:
    terraform.run(
        "plan", "-input=false", "-no-color", f"-out={plan_file}", *extra, *terraform.variable_args
    )
    shown: dict[str, Any] = json.loads(terraform.run("show", "-json", plan_file).stdout)
    return shown


def apply_plan(terraform: Terraform, plan_file: str = DEPLOY_PLAN) -> None:
    """Apply a plan `plan_this_commit` saved, then remove it."""
    try:
        terraform.run("apply", "-input=false", "-no-color", plan_file)
    finally:
        (terraform.workdir / plan_file).unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Plan terraform/ into a file; code replaced by hand gets replaced.",
        epilog="example: python -m harness.code_drift --out dev.tfplan -- "
        "-var-file=envs/dev.tfvars -var git_commit=$(git rev-parse HEAD)",
    )
    parser.add_argument("--out", required=True, help="plan file to write, relative to terraform/")
    parser.add_argument(
        "--read-only",
        action="store_true",
        help="never write the state: code replaced by hand is put back by replacing the function",
    )
    parser.add_argument("plan_args", nargs="*", help="arguments of `terraform plan` (after --)")
    args = parser.parse_args(argv)
    terraform = Terraform(TERRAFORM_ROOT, {}, variable_args=tuple(args.plan_args))
    print(f"- planning terraform/ into terraform/{args.out} ...", flush=True)
    try:
        drift = plan_this_commit(terraform, args.out, read_only=args.read_only)
    except TerraformError as error:
        print(f"error: {error}")
        return 1
    if drift is not None:
        print(f"- {drift.describe()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
