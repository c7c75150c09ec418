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


def fake_python(directory: Path, name: str, version: str) -> str:
    """An executable that answers the probe as a Python `version` at its own path would."""
    binary = directory / name
    binary.write_text(f"#!/bin/sh\necho {binary}\necho {version}\n")
    binary.chmod(0o755)
    return str(binary)


@pytest.fixture
def nowhere(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No PYTHON_RUNTIME, an empty PATH and pyenv, and a running Python too old to stand in."""
    monkeypatch.delenv("PYTHON_RUNTIME", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "pyenv"))
    old = tmp_path / "old"
    old.mkdir()
    monkeypatch.setattr(sys, "executable", fake_python(old, "python3.10", "3.10.14"))
    return tmp_path


def test_a_python3_13_on_path_is_the_runtime_without_a_note(nowhere: Path) -> None:
    runtime = fake_python(nowhere, "python3.13", "3.13.1")
    fake_python(nowhere, "python3.14", "3.14.0")

    assert find() == (runtime, "3.13.1", None)


def test_without_3_13_the_newest_stand_in_is_used_and_named(nowhere: Path) -> None:
    fake_python(nowhere, "python3.11", "3.11.9")
    newest = fake_python(nowhere, "python3.12", "3.12.4")

    path, version, note = find()

    assert (path, version) == (newest, "3.12.4")
    assert note is not None
    assert note.endswith(f"use Python 3.12.4 ({newest}).")


@pytest.mark.usefixtures("nowhere")
def test_with_no_python_at_all_main_says_what_to_install(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert runtime_python.main([]) == 1
    assert capsys.readouterr().err == (
        "error: neither python3.13 nor any Python 3.11 or later was found: install python3.13 "
        "(pyenv install 3.13) or set PYTHON_RUNTIME=/path/to/python3.13.\n"
    )


def test_without_a_stamp_main_prints_the_path_and_version(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PYTHON_RUNTIME", sys.executable)

    assert runtime_python.main([]) == 0
    assert capsys.readouterr().out == f"{THIS_PYTHON[0]}\n{THIS_PYTHON[1]}\n"
