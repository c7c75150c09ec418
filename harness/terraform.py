"""Run the Terraform root against a target: a working copy, the provider mirror, init/apply/destroy.

Each stack gets its own working directory (a copy of terraform/ with its own .terraform/ and
state), so tests can run beside the developer sandbox, and tflocal's generated override file never
lands in the source tree.

On an emulator, tflocal writes the provider override that points every endpoint at it, once per
working directory and target environment; Terraform itself runs every command. (Run as the wrapper,
tflocal would parse every *.tf file again and start a Python for each command: about 2 s of CPU a
command, the largest cost of the harness's own on a test run.)
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kit.paths import REPO_ROOT

if TYPE_CHECKING:
    from harness.served_provider import ServedProvider

TERRAFORM_ROOT = REPO_ROOT / "terraform"
VENV_BIN = REPO_ROOT / ".venv" / "bin"
VARS_FILE = "pipesum.auto.tfvars.json"
# Terraform reads *.auto.tfvars files in lexical order, a later one overriding an earlier: the
# environment's variable file first, then the harness's own values.
ENVIRONMENT_VARS_FILE = "environment.auto.tfvars"
LOCAL_BACKEND_OVERRIDE = "pipesum_local_backend_override.tf"
#: The file tflocal writes (its name for it), with the endpoints and credentials of the target.
ENDPOINT_OVERRIDE = "localstack_providers_override.tf"
PROVIDER = "registry.terraform.io/hashicorp/aws"
# Far above a normal run (about 15 s on the emulator, minutes on AWS); a hung provider ends here.
COMMAND_TIMEOUT_SECONDS = 900

# Where a filesystem mirror of the provider is looked for, first match wins.
MIRROR_CANDIDATES = (
    os.environ.get("PIPESUM_TF_MIRROR", ""),
    "/opt/tf-plugins",
    "~/.terraform.d/plugins",
    "~/.local/share/terraform/plugins",
    "/usr/local/share/terraform/plugins",
    "/usr/share/terraform/plugins",
)

# Files of terraform/ that are not configuration and stay out of working copies.
NOT_COPIED = shutil.ignore_patterns(
    ".terraform", "*.tfstate*", "*.tfplan", "*_override.tf", "*.log", "bootstrap"
)


class TerraformError(RuntimeError):
    """Terraform could not run or failed. The message says what to do and shows its output."""


def find_mirror() -> Path | None:
    """A local filesystem mirror holding the aws provider, if this machine has one."""
    for candidate in MIRROR_CANDIDATES:
        if candidate and (Path(candidate).expanduser() / PROVIDER).is_dir():
            return Path(candidate).expanduser()
    return None


def cli_config(build_dir: Path) -> Path | None:
    """A CLI config installing the aws provider from the local mirror; None: use the registry."""
    mirror = find_mirror()
    if mirror is None:
        return None
    build_dir.mkdir(parents=True, exist_ok=True)
    config = build_dir / "terraformrc"
    config.write_text(
        "provider_installation {\n"
        f'  filesystem_mirror {{\n    path    = "{mirror}"\n    include = ["{PROVIDER}"]\n  }}\n'
        f'  direct {{\n    exclude = ["{PROVIDER}"]\n  }}\n'
        "}\n"
    )
    return config


def sync_workdir(workdir: Path, *, local_backend: bool) -> None:
    """Make `workdir` hold terraform/ as it is now, keeping its .terraform/ and its state."""
    workdir.mkdir(parents=True, exist_ok=True)
    for stale in workdir.glob("*.tf"):
        stale.unlink()
    for stale_dir in ("modules", "tests", "envs"):
        shutil.rmtree(workdir / stale_dir, ignore_errors=True)
    shutil.copytree(TERRAFORM_ROOT, workdir, ignore=NOT_COPIED, dirs_exist_ok=True)
    if local_backend:
        # The emulator keeps its state in the working directory, never in a real backend.
        (workdir / LOCAL_BACKEND_OVERRIDE).write_text('terraform {\n  backend "local" {}\n}\n')


@dataclass
class Terraform:
    """Terraform in one working directory, with the environment of one target; with command
    "tflocal", pointed at the emulator by tflocal's provider override."""

    workdir: Path
    env: Mapping[str, str]
    command: str = "terraform"
    #: Arguments every plan/apply/destroy gets, such as -var-file for a real environment.
    variable_args: tuple[str, ...] = ()
    #: Where Terraform and the provider log every request at DEBUG (TF_LOG_PATH), or nowhere.
    debug_log: Path | None = None
    #: The provider process every command reaches instead of starting its own, or none.
    served: ServedProvider | None = None

    def executable(self) -> list[str]:
        """The command that runs Terraform here (its absolute path: ./tflocal.sh execs it)."""
        terraform = shutil.which("terraform")
        if terraform is None:
            raise TerraformError(
                "terraform is not installed or not on PATH. Install Terraform 1.11 "
                "(https://developer.hashicorp.com/terraform/install) and run this again."
            )
        if self.command == "tflocal":
            self._write_endpoint_override()
        return [terraform]

    def _write_endpoint_override(self) -> None:
        """tflocal's provider override for this environment, written unless it is there already
        (its first line names the environment it was written for)."""
        override = self.workdir / ENDPOINT_OVERRIDE
        written_for = (
            "# tflocal's override for the target environment "
            + hashlib.sha256(json.dumps(dict(self.env), sort_keys=True).encode()).hexdigest()[:16]
        )
        if override.is_file() and override.read_text().startswith(written_for + "\n"):
            return
        tflocal = VENV_BIN / "tflocal"
        if not tflocal.exists():
            raise TerraformError(f"{tflocal} is missing. Run `make venv` first.")
        override.unlink(missing_ok=True)
        result = subprocess.run(
            [str(tflocal), "plan"],  # a command tflocal points at the emulator; DRY_RUN: only that
            cwd=self.workdir,
            env=os.environ | dict(self.env) | {"DRY_RUN": "1", "CHECKPOINT_DISABLE": "1"},
            capture_output=True,
            text=True,
            check=False,
            timeout=COMMAND_TIMEOUT_SECONDS,
        )
        if result.returncode != 0 or not override.is_file():
            raise TerraformError(
                f"tflocal could not write its provider override in {self.workdir} "
                f"(exit {result.returncode}):\n{_tail(result.stdout + result.stderr)}"
            )
        override.write_text(f"{written_for}\n{override.read_text()}")

    def write_vars(
        self, variables: Mapping[str, object], *, environment_file: Path | None = None
    ) -> None:
        """Variables every command in the working directory gets: those of `environment_file`
        (relative to terraform/), overridden by `variables`."""
        copied = self.workdir / ENVIRONMENT_VARS_FILE
        copied.unlink(missing_ok=True)
        if environment_file is not None:
            source = TERRAFORM_ROOT / environment_file
            if not source.is_file():
                raise TerraformError(f"No variable file {source}: name one of terraform/envs/.")
            shutil.copyfile(source, copied)
        (self.workdir / VARS_FILE).write_text(
            json.dumps(variables, indent=2, sort_keys=True) + "\n"
        )

    def process_env(self) -> dict[str, str]:
        """This environment plus the target's, and the CLI config that finds the local mirror;
        no call home for version and security notices (Terraform's checkpoint, which would also
        write under $HOME)."""
        env = os.environ | dict(self.env) | {"CHECKPOINT_DISABLE": "1"}
        config = cli_config(REPO_ROOT / "build")
        if config is not None:
            env["TF_CLI_CONFIG_FILE"] = str(config)
        if self.debug_log is not None:
            env |= {"TF_LOG": "DEBUG", "TF_LOG_PATH": str(self.debug_log)}
        if self.served is not None:
            env |= self.served.env
        return env

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        env = self.process_env() | {"TF_IN_AUTOMATION": "1"}
        try:
            result = subprocess.run(
                [*self.executable(), *args],
                cwd=self.workdir,
                env=env,
                capture_output=True,
                text=True,
                check=False,
                timeout=COMMAND_TIMEOUT_SECONDS,
            )
        except subprocess.TimeoutExpired as expired:
            raise TerraformError(
                f"`terraform {' '.join(args)}` was still running after "
                f"{COMMAND_TIMEOUT_SECONDS} s in {self.workdir}, and was stopped. Its last "
                f"output:\n{_tail(expired.stderr) or _tail(expired.stdout)}"
            ) from expired
        with (self.workdir / "terraform.log").open("a") as log:
            log.write(f"$ terraform {' '.join(args)}\n{result.stdout}{result.stderr}\n")
        if check and result.returncode != 0:
            raise TerraformError(self._explain(args, result))
        return result

    def _explain(self, args: tuple[str, ...], result: subprocess.CompletedProcess[str]) -> str:
        output = (result.stderr.strip() or result.stdout.strip()).splitlines()
        tail = "\n".join(output[-25:])
        hint = ""
        if args[:1] == ("init",) and "provider" in result.stderr.lower():
            hint = (
                "\nThe aws provider could not be installed: no local mirror was found "
                f"(looked in {', '.join(c for c in MIRROR_CANDIDATES if c)}) and the registry "
                "was not reachable. Set PIPESUM_TF_MIRROR to a mirror directory, or go online."
            )
        return (
            f"`terraform {' '.join(args)}` failed (exit {result.returncode}) "
            f"in {self.workdir}.{hint}\n{tail}\n(full output: {self.workdir / 'terraform.log'}"
            + (f"; every request: {self.debug_log}" if self.debug_log is not None else "")
            + (f"; the provider's log: {self.served.log}" if self.served is not None else "")
            + ")"
        )

    def init(self) -> None:
        if (self.workdir / ".terraform" / "providers").is_dir() and (
            self.workdir / ".terraform.lock.hcl"
        ).is_file():
            # Already initialised: a re-init only refreshes modules, which are local.
            self.run("init", "-input=false", "-no-color", "-upgrade=false")
            return
        self.run("init", "-input=false", "-no-color")

    def apply(self) -> None:
        self.run("apply", "-input=false", "-no-color", "-auto-approve", *self.variable_args)

    def plan_json(self, *, refresh: bool = True, variables: Sequence[str] = ()) -> dict[str, Any]:
        """The plan as `terraform show -json` gives it; the saved plan file is removed after.

        Without refresh, the planned values are the configuration applied to the recorded
        state, blind to anything changed by hand: what the code says should be deployed.
        `variables` ("name=value") are set over the stack's own.
        """
        plan_file = "pipesum.tfplan"
        try:
            self.run(
                "plan",
                "-input=false",
                "-no-color",
                f"-refresh={str(refresh).lower()}",
                f"-out={plan_file}",
                *self.variable_args,
                *(f"-var={variable}" for variable in variables),
            )
            shown: dict[str, Any] = json.loads(self.run("show", "-json", plan_file).stdout)
        finally:
            (self.workdir / plan_file).unlink(missing_ok=True)
        return shown

    def outputs(self) -> dict[str, str]:
        raw = json.loads(self.run("output", "-json", "-no-color").stdout)
        return {name: value["value"] for name, value in raw.items()}

    def destroy(self) -> None:
        self.run("destroy", "-input=false", "-no-color", "-auto-approve", *self.variable_args)


def _tail(output: str | bytes | None, lines: int = 25) -> str:
    if isinstance(output, bytes):
        output = output.decode(errors="replace")
    return "\n".join((output or "").strip().splitlines()[-lines:])
