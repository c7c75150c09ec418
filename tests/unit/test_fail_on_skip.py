"""--fail-on-skip (`make test`): a skipped test fails the run and is named with its reason."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.unit.pytest_runs import run_pytest

SKIPPING = """
import pytest

def test_runs():
    pass

def test_skips():
    pytest.skip("MiniStack only")
"""


def run(work: Path, *options: str) -> subprocess.CompletedProcess[str]:
    (work / "test_some.py").write_text(SKIPPING)
    return run_pytest(work, "-p", "tests.conftest", *options, "test_some.py")


@pytest.mark.parametrize("workers", [(), ("-n", "1")])
def test_a_skip_fails_the_run_and_says_which(tmp_path: Path, workers: tuple[str, ...]) -> None:
    done = run(tmp_path, "--fail-on-skip", *workers)
    assert done.returncode == 1, done.stdout
    assert "skipped, which fails this run (--fail-on-skip)" in done.stdout
    assert "test_some.py::test_skips: Skipped: MiniStack only" in done.stdout


def test_without_the_option_a_skip_is_only_reported(tmp_path: Path) -> None:
    assert run(tmp_path).returncode == 0
