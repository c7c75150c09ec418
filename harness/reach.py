"""One way to reach a target and its stack: (target name, environment) -> target, connection, stack.

The sandbox commands, verify, redrive and ./tflocal.sh all come through here. Where the harness
deploys (an emulator), the stack is the sandbox's: a working copy of terraform/ with local state
under .sandbox/<target>/. Where it does not (a real account), the stack is terraform/ itself,
deployed with its S3 backend by the deploy targets (docs/deploy.md).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from harness.stack import Stack, StackOutputs
from harness.terraform import TerraformError
from kit.console import say, step
from kit.paths import REPO_ROOT
from providers import DEFAULT_TARGET, Connection, Target, TargetError, sandbox_target

SANDBOX = REPO_ROOT / ".sandbox"
AWS_DEPLOY_HINT = (
    "On a real account the stack is deployed and destroyed from terraform/ with its S3 backend: "
    "make deploy-init / deploy-plan / deploy-apply ENV=dev (docs/deploy.md)."
)


@dataclass(frozen=True)
class Reached:
    """A target as it runs now, how to reach it, and the stack of this checkout on it."""

    target: Target
    connection: Connection
    stack: Stack
    #: The environment's variables, relative to terraform/ (envs/sandbox.tfvars, envs/dev.tfvars).
    environment_file: Path

    @property
    def environment(self) -> str:
        return self.environment_file.stem

    def outputs(self) -> StackOutputs:
        """The deployed stack's outputs; TargetError saying how to deploy when there is none."""
        try:
            return self.stack.outputs()
        except TerraformError as error:
            hint = deploy_hint(self.target)
            raise TargetError(f"No stack is deployed on {self.target.name}. {hint}") from error


def deploy_hint(target: Target) -> str:
    if not target.harness_deploys:
        return AWS_DEPLOY_HINT
    return f"Run `make up TARGET={target.name}` first."


def environment_file(target: Target, var_file: Path | None) -> Path:
    """`var_file`, else the environment the target stands for (terraform/envs/<it>.tfvars)."""
    return var_file if var_file is not None else Path(f"envs/{target.default_environment}.tfvars")


def sandbox_dir(target_name: str) -> Path:
    """Where the sandbox of `target_name` keeps what it writes: emulator data, Terraform state."""
    return SANDBOX / target_name


def reach(
    target_name: str,
    var_file: Path | None = None,
    *,
    start: bool = False,
    tell: Callable[[str], object] = say,
) -> Reached:
    """The sandbox of `target_name` (or the deployed environment of a real account).

    `start`: start the target when it does not run (`make up`); otherwise it must run already.
    """
    # Where a new emulator would listen is news only to a command that starts one.
    target = sandbox_target(
        target_name, state_dir=sandbox_dir(target_name), say=tell if start else lambda _: None
    )
    if start and not target.harness_deploys:
        raise TargetError(AWS_DEPLOY_HINT)
    if start and not target.running():
        # A new emulator starts empty: state recorded against an earlier one describes nothing.
        for stale in (sandbox_dir(target_name) / "terraform").glob("terraform.tfstate*"):
            stale.unlink()
        connection = step(f"starting {target.description}", target.start)
    else:
        connection = target.attach()
        if start:
            tell(f"- reusing {target.description}")
    file = environment_file(target, var_file)
    if target.harness_deploys:
        stack = Stack.working_copy(
            target, connection, sandbox_dir(target_name), environment="dev", var_file=file
        )
    else:
        stack = Stack.deployed_from_root(connection, var_file=file)
    return Reached(target, connection, stack, file)


def add_target_arguments(parser: argparse.ArgumentParser, targets: tuple[str, ...]) -> None:
    """--target (one of `targets`, the sandbox's emulator by default) and --var-file."""
    parser.add_argument(
        "--target",
        choices=targets,
        default=DEFAULT_TARGET,
        help=f"where to work: the sandbox's emulator ({DEFAULT_TARGET}, the default), "
        + ", ".join(target for target in targets if target != DEFAULT_TARGET),
    )
    parser.add_argument(
        "--var-file",
        type=Path,
        help="the environment's variables, relative to terraform/ (default: envs/sandbox.tfvars "
        "on an emulator, envs/dev.tfvars with --target aws)",
    )
