"""A stack the harness throws away logs every request Terraform and the provider make, so that
a deploy that failed on an emulator since stopped can still be looked into; a provider served to
every command logs them in its own file."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.served_provider import ServedProvider
from harness.terraform import Terraform, TerraformError
from tests.support.stand_in import stand_in

FAILING_TERRAFORM = """#!/bin/sh
reattached="${{TF_REATTACH_PROVIDERS:+ reattached to $TF_REATTACH_PROVIDERS}}"
echo "TF_LOG=$TF_LOG TF_LOG_PATH=$TF_LOG_PATH$reattached" > "{seen}"
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
    monkeypatch.delenv("TF_REATTACH_PROVIDERS", raising=False)
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


def test_a_command_reaching_a_served_provider_names_its_log(tmp_path: Path, seen: Path) -> None:
    debug_log = tmp_path / "terraform-debug.log"
    served = ServedProvider({"TF_REATTACH_PROVIDERS": '{"aws":{"Pid":1}}'}, tmp_path / "p.log")
    terraform = Terraform(tmp_path, {}, debug_log=debug_log, served=served)
    with pytest.raises(TerraformError) as failed:
        terraform.run("apply")
    assert seen.read_text() == (
        f'TF_LOG=DEBUG TF_LOG_PATH={debug_log} reattached to {{"aws":{{"Pid":1}}}}\n'
    )
    assert f"every request: {debug_log}; the provider's log: {tmp_path / 'p.log'})" in str(
        failed.value
    )
