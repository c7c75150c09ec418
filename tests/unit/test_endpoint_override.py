"""On an emulator, tflocal writes the provider override once per working directory and target
environment, and Terraform runs every command itself (harness/terraform.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from harness.terraform import ENDPOINT_OVERRIDE, Terraform, TerraformError

ENVIRONMENT = {"AWS_ENDPOINT_URL": "http://127.0.0.1:45123", "AWS_DEFAULT_REGION": "us-east-1"}


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "providers.tf").write_text('provider "aws" {\n  region = "us-east-1"\n}\n')
    return tmp_path


def test_the_override_points_every_endpoint_at_the_emulator(workdir: Path) -> None:
    assert Terraform(workdir, ENVIRONMENT, "tflocal").executable() == [shutil.which("terraform")]
    override = (workdir / ENDPOINT_OVERRIDE).read_text()
    assert 'lambda = "http://127.0.0.1:45123"' in override


def test_the_override_is_written_once_per_environment(workdir: Path) -> None:
    Terraform(workdir, ENVIRONMENT, "tflocal").executable()
    override = workdir / ENDPOINT_OVERRIDE
    override.write_text(override.read_text() + "# seen\n")  # rewritten, this line would go

    Terraform(workdir, ENVIRONMENT, "tflocal").executable()
    assert override.read_text().endswith("# seen\n")

    moved = ENVIRONMENT | {"AWS_ENDPOINT_URL": "http://127.0.0.1:45124"}
    Terraform(workdir, moved, "tflocal").executable()
    assert "# seen" not in override.read_text()
    assert "127.0.0.1:45123" not in override.read_text()
    assert 'lambda = "http://127.0.0.1:45124"' in override.read_text()


def test_a_real_account_gets_no_override(workdir: Path) -> None:
    assert Terraform(workdir, {}, "terraform").executable() == [shutil.which("terraform")]
    assert not (workdir / ENDPOINT_OVERRIDE).exists()


def test_tflocal_failing_says_so_with_its_output(workdir: Path) -> None:
    no_terraform = ENVIRONMENT | {"TF_CMD": str(workdir / "no-terraform-here")}
    with pytest.raises(
        TerraformError, match="tflocal could not write its provider override"
    ) as failed:
        Terraform(workdir, no_terraform, "tflocal").executable()
    assert "Unable to determine version" in str(failed.value)


def test_the_command_is_terraform_by_its_absolute_path(workdir: Path) -> None:
    """./tflocal.sh execs it, which looks nothing up on PATH."""
    [command] = Terraform(workdir, ENVIRONMENT, "tflocal").executable()
    assert Path(command).is_absolute()
    assert Path(command).name == "terraform"
