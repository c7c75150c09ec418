"""`./tflocal.sh` without a running sandbox says how to start one, in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import reach, tflocal


def test_without_a_sandbox_it_says_to_start_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(reach, "SANDBOX", tmp_path / "no-sandbox")
    assert tflocal.main(["plan"]) == 1
    said = capsys.readouterr().out
    assert said.startswith("error: No sandbox is running. Start one with `make up`")
    assert "Traceback" not in said
