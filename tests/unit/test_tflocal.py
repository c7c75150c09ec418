"""`./tflocal.sh` without a running sandbox says how to start one, in one line, and nothing else:
where a new emulator would listen is no news to a command that starts none."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from harness import reach, tflocal
from providers import DEFAULT_TARGET, emulator_process


@pytest.mark.parametrize(
    ("target", "label"),
    [("", "LocalStack 4.14.0"), ("ministack", "MiniStack"), ("localstack", "LocalStack 4.14.0")],
)
def test_without_a_sandbox_it_says_to_start_one_and_only_that(
    target: str,
    label: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(reach, "SANDBOX", tmp_path / "no-sandbox")
    monkeypatch.setenv("TARGET", target)
    monkeypatch.delenv("LOCALSTACK_ENDPOINT", raising=False)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        monkeypatch.setattr(emulator_process, "DEFAULT_PORT", holder.getsockname()[1])
        assert tflocal.main(["plan"]) == 1
    said = capsys.readouterr().out
    name = target or DEFAULT_TARGET
    assert said.startswith(
        f"error: No sandbox is running on {label}. Start one with `make up TARGET={name}`"
    )
    assert len(said.splitlines()) == 1
