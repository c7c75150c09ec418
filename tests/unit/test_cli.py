"""The sandbox commands on targets other than the embedded emulator say what to do instead."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from harness import cli, reach
from providers import TARGET_NAMES, make_target


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = cli.main(argv)
    return status, capsys.readouterr().out


@pytest.mark.parametrize("target", ["ministack", "localstack"])
def test_a_command_without_a_sandbox_says_how_to_start_one(
    target: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(reach, "SANDBOX", tmp_path / "no-sandbox")
    monkeypatch.delenv("LOCALSTACK_ENDPOINT", raising=False)
    status, out = run(["--target", target, "logs"], capsys)
    assert status == 1
    assert f"Start one with `make up TARGET={target}` (or `make demo TARGET={target}`)" in out


@pytest.mark.parametrize("command", ["up", "demo", "down"])
def test_aws_is_deployed_and_destroyed_by_the_deploy_targets_only(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out = run(["--target", "aws", command], capsys)
    assert status == 1
    assert "make deploy-init / deploy-plan / deploy-apply ENV=dev" in out


def test_a_missing_file_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    status, out = run(["drop", "no/such/file.txt"], capsys)
    assert (status, out) == (2, "no/such/file.txt is not a file.\n")


def test_a_json_log_record_reads_as_level_message_and_fields() -> None:
    line = (
        '{"level": "INFO", "message": "object_written", "key": "my file.txt", "bytes": 18, '
        '"write": "put"}'
    )
    assert cli.readable(line) == 'INFO    object_written  key="my file.txt" bytes=18 write="put"'


def test_an_embedded_metric_reads_as_its_values() -> None:
    line = '{"_aws": {"CloudWatchMetrics": []}, "FunctionName": "f", "Rejections": 1}'
    assert cli.readable(line) == "METRIC  FunctionName=f Rejections=1"


@pytest.mark.parametrize(
    "line", ["START RequestId: 1 Version: $LATEST", "END RequestId: 1", "[1, 2]", "{bad json"]
)
def test_other_lines_are_left_as_they_are(line: str) -> None:
    assert cli.readable(line) == line


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        ([], "envs/sandbox.tfvars"),
        (["--target", "localstack"], "envs/sandbox.tfvars"),
        (["--target", "aws"], "envs/dev.tfvars"),
        (["--target", "aws", "--var-file", "envs/prod.tfvars"], "envs/prod.tfvars"),
        (["--var-file", "envs/prod.tfvars"], "envs/prod.tfvars"),
    ],
)
def test_each_target_stands_for_an_environment_unless_told(
    argv: list[str], expected: str, tmp_path: Path
) -> None:
    """An emulator gets the sandbox's variables, a real account dev's; --var-file wins."""
    parser = argparse.ArgumentParser()
    reach.add_target_arguments(parser, TARGET_NAMES)
    args = parser.parse_args(argv)
    target = make_target(args.target, state_dir=tmp_path)
    assert reach.environment_file(target, args.var_file) == Path(expected)
