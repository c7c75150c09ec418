"""Stand-in commands: a shell script put first on PATH in place of a real tool."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest


def stand_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, script: str) -> Path:
    """Install `script` as the command `name`, found before any other on PATH; its path."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    command = bin_dir / name
    command.write_text(script)
    command.chmod(command.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    return command
