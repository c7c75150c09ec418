"""`make tf-check`'s order of work, with a stand-in `terraform` that records what it was asked.

The real suites run in `make tf-check` itself; here each root and module must be initialised,
validated and tested in its own folder, each example validated, lock files that init wrote in a
module removed, and a failure reported as one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness import terraform_checks
from kit.paths import REPO_ROOT
from providers.emulator_process import alive
from tests.support.stand_in import stand_in

FAKE_PROVIDER = """#!/bin/sh
echo "Provider started. To attach Terraform CLI, set TF_REATTACH_PROVIDERS:"
echo "	TF_REATTACH_PROVIDERS='{{\\"registry.terraform.io/hashicorp/aws\\":{{\\"Pid\\":$$}}}}'"
exec sleep 600
"""

FAKE_TERRAFORM = """#!/bin/sh
echo "$PWD ${{TF_REATTACH_PROVIDERS:-none}} $*" >> "{log}"
case "$1" in
  init)
    touch .terraform.lock.hcl
    installed="$TF_DATA_DIR/providers/registry.terraform.io/hashicorp/aws/5.100.0/linux_amd64"
    mkdir -p "$installed"
    cp "{provider}" "$installed/terraform-provider-aws_v5.100.0_x5" ;;
  test) echo "Success! 2 passed, 0 failed." ;;
  validate) echo "Success! The configuration is valid." ;;
  fmt) [ -n "$FAIL_FMT" ] && {{ echo "main.tf needs formatting" >&2; exit 3; }} ;;
esac
exit 0
"""


@pytest.fixture
def fake_terraform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    log = tmp_path / "calls.log"
    provider = tmp_path / "provider"
    provider.write_text(FAKE_PROVIDER.format())
    provider.chmod(0o755)
    stand_in(tmp_path, monkeypatch, "terraform", FAKE_TERRAFORM.format(log=log, provider=provider))
    monkeypatch.setattr(terraform_checks, "CHECK_DIR", tmp_path / "tf-check")
    package = tmp_path / "function.zip"
    package.write_bytes(b"zip")
    monkeypatch.setattr(terraform_checks, "FUNCTION_PACKAGE", package)
    return log


def calls(log: Path) -> list[tuple[str, str]]:
    """(folder relative to the checkout, the command) of each call, in order."""
    rows = [line.split(" ", 2) for line in log.read_text().splitlines()]
    return [
        (Path(folder).relative_to(REPO_ROOT).as_posix(), command) for folder, _, command in rows
    ]


def reattached(log: Path) -> dict[str, set[str]]:
    """Each command's TF_REATTACH_PROVIDERS values ("none" where it was not set)."""
    seen: dict[str, set[str]] = {}
    for line in log.read_text().splitlines():
        _, setting, command = line.split(" ", 2)
        seen.setdefault(command.split()[0], set()).add(setting)
    return seen


def test_every_root_and_module_is_tested_in_its_folder_and_every_example_validated(
    fake_terraform: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    modules = terraform_checks.modules()
    assert [module.name for module in modules] == ["bucket", "function"]
    locks_before = set((REPO_ROOT / "terraform").rglob(".terraform.lock.hcl"))

    assert terraform_checks.main() == 0

    said = capsys.readouterr().out.splitlines()
    tested = [folder for folder, command in calls(fake_terraform) if command.startswith("test")]
    validated = [
        folder for folder, command in calls(fake_terraform) if command.startswith("validate")
    ]
    examples = [example for module in modules for example in terraform_checks.examples(module)]
    assert examples, "each module has an example"
    folders = [
        "terraform",
        "terraform/bootstrap",
        *(f"terraform/modules/{m.name}" for m in modules),
    ]
    assert sorted(tested) == sorted(folders)  # checked side by side, in any order
    # and said in order
    assert [line.split(":", 1)[0] for line in said if ": terraform test:" in line] == folders
    for example in examples:
        assert example.relative_to(REPO_ROOT).as_posix() in validated
    assert said[0] == "terraform: terraform fmt -check -recursive: formatted"
    assert "terraform/modules/bucket: terraform test: Success! 2 passed, 0 failed." in said
    # The roots keep their committed lock files; modules and examples are left without one.
    assert set((REPO_ROOT / "terraform").rglob(".terraform.lock.hcl")) == locks_before
    # init installs the provider; validate and test all reach the one process it served.
    settings = reattached(fake_terraform)
    assert settings["init"] == {"none"}
    [served] = settings["test"]
    assert settings["validate"] == {served}
    provider_pid = json.loads(served)["registry.terraform.io/hashicorp/aws"]["Pid"]
    assert not alive(provider_pid)  # stopped when the checks ended


def test_a_failing_command_is_reported_in_one_line(
    fake_terraform: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("FAIL_FMT", "1")
    assert terraform_checks.main() == 1
    error = capsys.readouterr().err
    assert error.startswith("error: ")
    assert "main.tf needs formatting" in error
    assert [command.split()[0] for _, command in calls(fake_terraform)] == ["fmt"]


def test_a_missing_package_says_to_build_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(terraform_checks, "FUNCTION_PACKAGE", tmp_path / "function.zip")
    assert terraform_checks.main() == 1
    assert "Run `make build` first" in capsys.readouterr().err
