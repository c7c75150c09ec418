"""What only a real account or GitHub would reveal about the deploy configuration, checked here.

- prod's variables must apply on an account with a new account's concurrency limit: Lambda keeps
  100 executions unreserved, so any reservation fails below a limit of 100 + the reserve.
- the deploy workflow must never let a pull request's plan cancel an apply waiting for review:
  GitHub keeps one pending run per concurrency group and cancels the one it replaces.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import hcl2
import yaml

from kit.paths import REPO_ROOT

TERRAFORM_ROOT = REPO_ROOT / "terraform"
WORKFLOW = REPO_ROOT / ".github" / "workflows" / "deploy.yml"

# Lambda: "you can reserve concurrency up to the account limit minus 100" (Lambda Developer
# Guide, configuration-concurrency); a new account's limit may be 10.
UNRESERVED_MINIMUM = 100
NEW_ACCOUNT_CONCURRENCY_LIMIT = 10


def _unquoted(value: Any) -> Any:
    """python-hcl2 keeps the quotes of string literals and block labels."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1]
    return value


def _variable_default(name: str, root: Path = TERRAFORM_ROOT) -> Any:
    with (root / "variables.tf").open() as handle:
        variables = hcl2.load(handle)["variable"]
    for block in variables:
        for label, body in block.items():
            if _unquoted(label) == name:
                return _unquoted(body["default"])
    raise AssertionError(f"{root}/variables.tf declares no variable {name}")


def _effective(env_file: str, name: str) -> Any:
    with (TERRAFORM_ROOT / "envs" / env_file).open() as handle:
        values = {key: _unquoted(value) for key, value in hcl2.load(handle).items()}
    return values[name] if name in values else _variable_default(name)


def test_prod_reserves_nothing_a_new_account_cannot_give() -> None:
    reserve = _effective("prod.tfvars", "lambda_reserved_concurrency")
    unreserved = reserve is None or reserve == -1
    assert unreserved or reserve + UNRESERVED_MINIMUM <= NEW_ACCOUNT_CONCURRENCY_LIMIT, (
        f"envs/prod.tfvars reserves {reserve} concurrent executions: Lambda refuses it on an "
        f"account whose limit is under {reserve + UNRESERVED_MINIMUM} (a new account has "
        f"{NEW_ACCOUNT_CONCURRENCY_LIMIT}). Set lambda_reserved_concurrency = -1 there."
    )


def test_the_default_reserve_is_none() -> None:
    assert _variable_default("lambda_reserved_concurrency") == -1


def test_prod_role_carries_the_deploy_roles_boundary() -> None:
    assert _effective("prod.tfvars", "function_permissions_boundary_name") == (
        "pipesum-stack-role-boundary"
    ), "CI's apply role creates roles only with terraform/bootstrap's stack role boundary."


def _bootstrap_role_name(resource: str) -> str:
    """The name terraform/bootstrap gives `resource` (an aws_iam_role), with its project default."""
    with (TERRAFORM_ROOT / "bootstrap" / "iam.tf").open() as handle:
        roles = hcl2.load(handle)["resource"]
    [name] = [
        _unquoted(body["name"])
        for block in roles
        for label, instances in block.items()
        if _unquoted(label) == "aws_iam_role"
        for instance, body in instances.items()
        if _unquoted(instance) == resource
    ]
    project = _variable_default("project", TERRAFORM_ROOT / "bootstrap")
    return str(name).replace("${var.project}", project)


def test_prod_s_key_policy_names_the_roles_bootstrap_creates() -> None:
    """A name that matched no role would leave CI unable to use the stack's key (decision 16)."""
    assert _effective("prod.tfvars", "key_administrator_role_name") == _bootstrap_role_name(
        "github_apply"
    )
    readers = [_unquoted(name) for name in _effective("prod.tfvars", "key_reader_role_names")]
    assert readers == [_bootstrap_role_name("github_plan")]


def _workflow() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(WORKFLOW.read_text())
    return loaded


def test_no_concurrency_group_is_shared_by_plans_and_applies() -> None:
    workflow = _workflow()
    assert "concurrency" not in workflow, (
        "A workflow-level concurrency group holds both the pull requests' plans and main's "
        "applies: a later plan cancels a pending apply."
    )
    plan_group = workflow["jobs"]["plan"]["concurrency"]["group"]
    apply = workflow["jobs"]["apply"]["concurrency"]
    assert plan_group != apply["group"]
    assert "pull_request.number" in plan_group, "each pull request's plans queue on their own"
    assert apply["cancel-in-progress"] is False, "an apply must never be cancelled halfway"
