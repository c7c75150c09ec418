"""Finding the Python the function is deployed to, for the virtualenvs that run it."""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

import pytest

from harness import runtime_python
from harness.runtime_python import NoPython, find, pyenv_pythons

THIS_PYTHON = (sys.executable, platform.python_version())


def fake_pyenv(root: Path, versions: list[str]) -> None:
    for version in versions:
        binary = root / "versions" / version / "bin" / f"python{'.'.join(version.split('.')[:2])}"
        binary.parent.mkdir(parents=True)
        binary.write_text("")


def test_pyenv_pythons_are_its_cpython_3_versions_newest_first(tmp_path: Path) -> None:
    fake_pyenv(tmp_path, ["3.12.1", "3.13.0", "3.13.2", "3.9.18", "2.7.18", "3.14-dev"])
    assert pyenv_pythons(tmp_path) == [
        ((3, 13), str(tmp_path / "versions/3.13.2/bin/python3.13")),
        ((3, 13), str(tmp_path / "versions/3.13.0/bin/python3.13")),
        ((3, 12), str(tmp_path / "versions/3.12.1/bin/python3.12")),
        ((3, 9), str(tmp_path / "versions/3.9.18/bin/python3.9")),
    ]


def test_python_runtime_is_used_as_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHON_RUNTIME", sys.executable)
    assert find() == (*THIS_PYTHON, None)


def test_a_python_runtime_that_does_not_run_is_refused_with_what_to_do(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PYTHON_RUNTIME", str(tmp_path / "python3.13"))
    with pytest.raises(NoPython, match=r"does not run: point it at a python3\.13\.$"):
        find()


def test_with_no_other_python_the_one_running_stands_in_and_says_so_unless_it_is_3_13(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("PYTHON_RUNTIME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path))
    path, version, note = find()
    assert (path, version) == THIS_PYTHON
    if sys.version_info[:2] == runtime_python.RUNTIME:
        assert note is None
    else:
        assert note == (
            "python3.13, which the function is deployed to, was not found (PYTHON_RUNTIME, PATH, "
            f"pyenv): the emulator and the second unit-test run use Python {version} ({path})."
        )


def test_the_stamp_is_rewritten_only_when_the_choice_changes(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    stamp = tmp_path / "build" / "runtime-python.txt"
    monkeypatch.setenv("PYTHON_RUNTIME", sys.executable)
    assert runtime_python.main(["--stamp", str(stamp)]) == 0
    assert stamp.read_text() == f"{THIS_PYTHON[0]}\n{THIS_PYTHON[1]}\n"
    os.utime(stamp, ns=(0, 0))
    assert runtime_python.main(["--stamp", str(stamp)]) == 0
    assert stamp.stat().st_mtime_ns == 0
    stamp.write_text("/elsewhere/python3.12\n3.12.1\n")
    assert runtime_python.main(["--stamp", str(stamp)]) == 0
    assert stamp.read_text() == f"{THIS_PYTHON[0]}\n{THIS_PYTHON[1]}\n"
