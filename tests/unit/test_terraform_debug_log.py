"""A stack the harness throws away logs every request Terraform and the provider make, so that
a deploy that failed on an emulator since stopped can still be looked into."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.terraform import Terraform, TerraformError
from tests.support.stand_in import stand_in

FAILING_TERRAFORM = """#!/bin/sh
echo "TF_LOG=$TF_LOG TF_LOG_PATH=$TF_LOG_PATH" > "{seen}"
echo "Error: adding Lambda Permission: 409" >&2
exit 1
"""


@pytest.fixture
def seen(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """What the stand-in terraform was given: the file it writes its logging variables to."""
    seen = tmp_path / "seen.txt"
    stand_in(tmp_path, monkeypatch, "terraform", FAILING_TERRAFORM.format(seen=seen))
    monkeypatch.delenv("TF_LOG", raising=False)
    monkeypatch.delenv("TF_LOG_PATH", raising=False)
    return seen


def test_a_failed_command_names_the_log_of_every_request(tmp_path: Path, seen: Path) -> None:
    debug_log = tmp_path / "terraform-debug.log"
    terraform = Terraform(tmp_path, {}, debug_log=debug_log)
    with pytest.raises(TerraformError) as failed:
        terraform.run("apply")
    assert seen.read_text() == f"TF_LOG=DEBUG TF_LOG_PATH={debug_log}\n"
    assert f"every request: {debug_log})" in str(failed.value)
    assert "Error: adding Lambda Permission: 409" in str(failed.value)


def test_without_a_debug_log_terraform_logs_nothing(tmp_path: Path, seen: Path) -> None:
    with pytest.raises(TerraformError) as failed:
        Terraform(tmp_path, {}).run("apply")
    assert seen.read_text() == "TF_LOG= TF_LOG_PATH=\n"
    assert "every request" not in str(failed.value)
