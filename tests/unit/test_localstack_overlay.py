"""What LocalStack finds first on its path: the process executor, registered by entry point, and
(patched) the `localstack` package with pipesum's fixes; each built once per content."""

from __future__ import annotations

import importlib.metadata
import sys
from pathlib import Path

import pytest

from providers import localstack_overlay, package_patches
from providers.localstack_overlay import EXECUTOR_SOURCE, executor_overlay, overlay


@pytest.fixture(autouse=True)
def build_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(localstack_overlay, "BUILD_DIR", tmp_path / "build")
    return tmp_path / "build"


def test_the_executor_is_registered_under_the_name_localstack_chooses(build_dir: Path) -> None:
    folder = executor_overlay()

    assert folder.parent == build_dir
    copied = sorted(path.name for path in (folder / "pipesum_lambda_process").iterdir())
    assert copied == sorted(path.name for path in EXECUTOR_SOURCE.glob("*.py"))
    found = importlib.metadata.entry_points(group="localstack.lambda.runtime_executor")
    assert not [entry for entry in found if entry.name == "process"]  # not on our own path
    distributions = importlib.metadata.distributions(path=[str(folder)])
    (points,) = [distribution.entry_points for distribution in distributions]
    assert [(entry.group, entry.name, entry.value) for entry in points] == [
        (
            "localstack.lambda.runtime_executor",
            "process",
            "pipesum_lambda_process.localstack_plugin:ProcessRuntimeExecutorPlugin",
        )
    ]
    assert executor_overlay() == folder  # built once
    assert [path.name for path in build_dir.iterdir()] == [folder.name]  # no staging left


def test_unpatched_the_path_holds_the_executor_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        package_patches, "installed_package", lambda *_: pytest.fail("not patched: no copy")
    )
    assert overlay(Path(sys.executable), patched=False) == str(executor_overlay())
