"""The sandbox commands on targets other than the embedded emulator say what to do instead."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from harness import cli


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = cli.main(argv)
    return status, capsys.readouterr().out


def test_localstack_without_an_endpoint_says_how_to_start_one(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("LOCALSTACK_ENDPOINT", raising=False)
    status, out = run(["--target", "localstack", "up"], capsys)
    assert status == 1
    assert "docker compose up -d" in out
    assert "LOCALSTACK_ENDPOINT=http://localhost:4566 make up TARGET=localstack" in out


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
def test_each_target_stands_for_an_environment_unless_told(argv: list[str], expected: str) -> None:
    """An emulator gets the sandbox's variables, a real account dev's; --var-file wins."""
    parser = argparse.ArgumentParser()
    cli.add_target_arguments(parser, ("ministack", "localstack", "aws"))
    assert cli.environment_file(parser.parse_args(argv)) == Path(expected)


def test_the_python_reported_is_that_of_the_latest_cold_start() -> None:
    lines = [
        '{"level": "INFO", "message": "cold_start", "python": "3.11.7", "boto3": "1.43.106"}',
        "START RequestId: 1 Version: $LATEST",
        '{"level": "INFO", "message": "object_written", "python": "not this"}',
        '{"level": "INFO", "message": "cold_start", "python": "3.13.0", "boto3": "1.43.106"}',
        "{bad json",
    ]
    assert cli.cold_start_python(lines) == "3.13.0"
    assert cli.cold_start_python(lines[1:3]) is None
