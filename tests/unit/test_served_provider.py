"""A provider served to many Terraform commands: its setting read from what it prints, a provider
that never says it stopped at a deadline with what it said, and the process gone afterwards."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness import served_provider
from harness.served_provider import REATTACH, installed_provider
from harness.terraform import TerraformError
from providers.emulator_process import alive

SETTING = '{"registry.terraform.io/hashicorp/aws":{"Protocol":"grpc","Pid":%s}}'


def provider(tmp_path: Path, body: str) -> Path:
    executable = tmp_path / "terraform-provider-aws_v5.100.0_x5"
    executable.write_text(f"#!/bin/sh\n{body}\n")
    executable.chmod(0o755)
    return executable


def test_the_setting_printed_is_handed_on_and_the_provider_stopped_after(tmp_path: Path) -> None:
    setting = SETTING % "$$"
    executable = provider(
        tmp_path,
        f"echo 'Starting provider'\ncat <<EOF\n\t{REATTACH}='{setting}'\nEOF\nexec sleep 600",
    )
    log = tmp_path / "served.log"

    with served_provider.served_provider(executable, log) as served:
        pid = json.loads(served.env[REATTACH])["registry.terraform.io/hashicorp/aws"]["Pid"]
        assert served.log == log
        assert alive(pid)

    assert not alive(pid)
    assert log.read_text().startswith("Starting provider\n")


def test_a_provider_that_never_says_how_to_reach_it_fails_at_the_deadline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(served_provider, "READY_SECONDS", 0.5)
    executable = provider(tmp_path, 'echo "Initializing"\nexec sleep 600')

    with (
        pytest.raises(
            TerraformError, match=rf"did not print {REATTACH} within 0.5 s; last said: Init"
        ),
        served_provider.served_provider(executable, tmp_path / "served.log"),
    ):
        pass


def test_a_provider_that_exits_says_its_exit_code(tmp_path: Path) -> None:
    executable = provider(tmp_path, f'echo "{REATTACH}=\'{{half\'"; echo "bad flag" >&2; exit 2')

    with (
        pytest.raises(
            TerraformError,
            match=r"closed its output without .* \(exit code: 2\); last said: .*half",
        ) as raised,
        served_provider.served_provider(executable, tmp_path / "served.log"),
    ):
        pass
    assert "served.log" in str(raised.value)
    assert "bad flag\n" in (tmp_path / "served.log").read_text()


def test_the_installed_provider_is_found_in_the_data_directory(tmp_path: Path) -> None:
    with pytest.raises(TerraformError, match="run `terraform init` there first"):
        installed_provider(tmp_path)
    installed = tmp_path / "providers/registry.terraform.io/hashicorp/aws/5.100.0/linux_amd64"
    installed.mkdir(parents=True)
    (installed / "terraform-provider-aws_v5.100.0_x5").touch()

    assert installed_provider(tmp_path) == installed / "terraform-provider-aws_v5.100.0_x5"
