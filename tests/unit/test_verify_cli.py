"""`make verify TARGET=aws` plans terraform/ in place, with the environment's variables."""

from __future__ import annotations

from pathlib import Path

from harness.stack import Stack
from harness.terraform import TERRAFORM_ROOT
from harness.verify import arguments
from providers import DEFAULT_TARGET
from providers.base import Connection


def test_a_real_environment_is_planned_in_place_with_its_variable_file() -> None:
    stack = Stack.deployed_from_root(
        Connection(region="eu-west-1"), var_file=Path("envs/prod.tfvars")
    )
    assert stack.workdir == TERRAFORM_ROOT
    assert stack.terraform.command == "terraform"
    assert stack.terraform.variable_args[0] == "-var-file=envs/prod.tfvars"
    assert stack.terraform.variable_args[1].startswith("-var=git_commit=")


def test_verify_defaults_to_the_sandbox_with_the_probe() -> None:
    args = arguments("verify").parse_args([])
    assert (args.target, args.no_probe) == (DEFAULT_TARGET, False)
    args = arguments("verify").parse_args(["--target", "aws", "--var-file", "envs/prod.tfvars"])
    assert (args.target, args.var_file) == ("aws", Path("envs/prod.tfvars"))
