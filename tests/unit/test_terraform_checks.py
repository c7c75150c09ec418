"""`make tf-check`'s order of work, with a stand-in `terraform` that records what it was asked.

The real suites run in `make tf-check` itself; here each root and module must be initialised,
validated and tested in its own folder, each example validated, lock files that init wrote in a
module removed, and a failure reported as one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import terraform_checks
from kit.paths import REPO_ROOT
from tests.support.stand_in import stand_in

FAKE_TERRAFORM = """#!/bin/sh
echo "$PWD $*" >> "{log}"
case "$1" in
  init) touch .terraform.lock.hcl ;;
  test) echo "Success! 2 passed, 0 failed." ;;
  validate) echo "Success! The configuration is valid." ;;
  fmt) [ -n "$FAIL_FMT" ] && {{ echo "main.tf needs formatting" >&2; exit 3; }} ;;
esac
exit 0
"""


@pytest.fixture
def fake_terraform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    log = tmp_path / "calls.log"
    stand_in(tmp_path, monkeypatch, "terraform", FAKE_TERRAFORM.format(log=log))
    package = tmp_path / "function.zip"
    package.write_bytes(b"zip")
    monkeypatch.setattr(terraform_checks, "FUNCTION_PACKAGE", package)
    return log


def calls(log: Path) -> list[tuple[str, str]]:
    """(folder relative to the checkout, the command) of each call, in order."""
    rows = [line.split(" ", 1) for line in log.read_text().splitlines()]
    return [(Path(folder).relative_to(REPO_ROOT).as_posix(), command) for folder, command in rows]


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
