"""Bad setup gets a message that says what to do, never a stack trace."""

from __future__ import annotations

import os
import socket
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness import cli, reach
from harness.terraform import Terraform, TerraformError
from providers import DEFAULT_TARGET, emulator_process, make_target
from providers.base import TargetError
from providers.emulator_process import EmulatorProcess
from providers.ministack import MiniStack


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


def fake_python(tmp_path: Path, body: str) -> Path:
    script = tmp_path / "python"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def test_busy_port_names_the_process_that_holds_it(busy_port: int, tmp_path: Path) -> None:
    emulator = MiniStack(port=busy_port, state_dir=tmp_path)
    with pytest.raises(TargetError) as refused:
        emulator.start()
    message = str(refused.value)
    assert f"Port {busy_port} is already in use by pid {os.getpid()}" in message
    assert "choose another port" in message


def test_emulator_that_dies_on_start_shows_its_log_tail_and_path(tmp_path: Path) -> None:
    python = fake_python(tmp_path, 'echo "boom: cannot import ministack"; exit 3')
    # Unpatched: the patches are applied to the package a working interpreter imports (below).
    emulator = MiniStack(state_dir=tmp_path / "state", python=python, patched=False)
    with pytest.raises(TargetError) as failed:
        emulator.start()
    message = str(failed.value)
    assert "MiniStack exited with code 3 while starting" in message
    assert "boom: cannot import ministack" in message
    assert str(tmp_path / "state" / "ministack.log") in message
    assert not (tmp_path / "state" / "ministack.pid").exists()


def test_an_interpreter_without_ministack_says_to_run_make_venv(tmp_path: Path) -> None:
    python = fake_python(tmp_path, 'echo "No module named ministack" >&2; exit 1')
    emulator = MiniStack(state_dir=tmp_path / "state", python=python)
    with pytest.raises(TargetError, match=r"cannot be imported by .*: run `make venv`"):
        emulator.start()
    assert not (tmp_path / "state" / "ministack.pid").exists()


def test_missing_emulator_virtualenv_says_to_run_make_venv(tmp_path: Path) -> None:
    emulator = MiniStack(state_dir=tmp_path, python=tmp_path / "no-such-venv" / "python")
    with pytest.raises(TargetError, match=r"virtualenv is missing .* Run `make venv` first"):
        emulator.start()


def test_missing_terraform_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(TerraformError, match="terraform is not installed or not on PATH"):
        Terraform(tmp_path, env={}).run("version")


def test_cli_reports_bad_setup_as_one_line_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(reach, "SANDBOX", tmp_path / "no-sandbox")
    monkeypatch.delenv("LOCALSTACK_ENDPOINT", raising=False)
    default = make_target(DEFAULT_TARGET, state_dir=tmp_path / "default")
    assert isinstance(default, EmulatorProcess)
    assert cli.main(["logs"]) == 1  # on the default target
    output = capsys.readouterr().out
    assert (
        f"error: No sandbox is running on {default.label}. Start one with "
        f"`make up TARGET={DEFAULT_TARGET}`"
    ) in output
    assert "Traceback" not in output


def test_drop_of_a_missing_file_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["drop", "/no/such/file.txt"]) == 2
    assert "/no/such/file.txt is not a file." in capsys.readouterr().out


def test_sandbox_moves_to_a_free_port_when_the_default_is_held_and_says_so(
    busy_port: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
) -> None:
    name = request.config.getoption("--target")
    monkeypatch.setattr(emulator_process, "DEFAULT_PORT", busy_port)
    monkeypatch.setattr(reach, "SANDBOX", tmp_path / "sandbox")
    monkeypatch.delenv("LOCALSTACK_ENDPOINT", raising=False)
    reached = reach.reach(name, start=True)
    try:
        emulator = reached.target
        assert isinstance(emulator, EmulatorProcess)
        assert emulator.port != busy_port
        assert emulator.is_healthy()
        said = capsys.readouterr().out
        assert f"port {busy_port} is held by pid {os.getpid()}" in said
        assert f"using port {emulator.port}" in said
        assert type(emulator).recorded(tmp_path / "sandbox" / name) is not None
    finally:
        reached.target.stop()
    assert type(emulator).recorded(tmp_path / "sandbox" / name) is None
