"""The Python the function is deployed to (python3.13), for the virtualenvs that run the function.

The emulator's Lambda workers run on the interpreter of .venv-emulator, and the second unit-test
run on that of .venv-runtime: both are built on the interpreter found here, in this order:
PYTHON_RUNTIME (a path), `python3.13` on PATH, pyenv's newest 3.13.x. Where none is found, one
line on stderr says so and the newest Python 3.11 or later on PATH or under pyenv stands in.

Standard library only: the Makefile runs it with the bootstrap Python before any virtualenv exists.
`python harness/runtime_python.py --stamp FILE` writes the interpreter's path and version to FILE,
one a line, and rewrites FILE only when they changed, so that what depends on it is rebuilt then.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

RUNTIME = (3, 13)
OLDEST_STAND_IN = (3, 11)
_REPORT = "import sys; print(sys.executable); print('.'.join(map(str, sys.version_info[:3])))"


class NoPython(RuntimeError):
    """No interpreter to build the function's virtualenvs on."""


def probe(command: str) -> tuple[str, str] | None:
    """(sys.executable, "X.Y.Z") of `command`, or None when it does not run (a pyenv shim of a
    version not selected exits 127)."""
    try:
        done = subprocess.run(
            [command, "-c", _REPORT], capture_output=True, text=True, timeout=30, check=False
        )
    except OSError:
        return None
    lines = done.stdout.split()
    return (lines[0], lines[1]) if done.returncode == 0 and len(lines) == 2 else None


def minor(version: str) -> tuple[int, int]:
    major, minor_, *_ = (int(part) for part in version.split("."))
    return major, minor_


def pyenv_pythons(root: Path) -> list[tuple[tuple[int, int], str]]:
    """((3, X), path) of each CPython 3 pyenv holds (versions/3.X.Y/bin/python3.X), newest first."""
    found = []
    for version_dir in (root / "versions").glob("3.*"):
        match = re.fullmatch(r"3\.(\d+)\.(\d+)", version_dir.name)
        if match:
            binary = version_dir / "bin" / f"python3.{match.group(1)}"
            found.append(((3, int(match.group(1))), int(match.group(2)), str(binary)))
    return [(version, binary) for version, _, binary in sorted(found, reverse=True)]


def pyenv_root() -> Path:
    return Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")


def find() -> tuple[str, str, str | None]:
    """(path, version, note): the runtime's Python, or the newest stand-in and a note saying so."""
    chosen = os.environ.get("PYTHON_RUNTIME")
    if chosen:
        found = probe(chosen)
        if found is None:
            raise NoPython(f"PYTHON_RUNTIME={chosen} does not run: point it at a python3.13.")
        return (*found, None)
    wanted = f"python{RUNTIME[0]}.{RUNTIME[1]}"
    under_pyenv = pyenv_pythons(pyenv_root())
    runtimes = [path for version, path in under_pyenv if version == RUNTIME]
    for command in [wanted, *runtimes, sys.executable]:
        found = probe(command)
        if found is not None and minor(found[1]) == RUNTIME:
            return (*found, None)
    on_path = [f"python3.{number}" for number in range(20, OLDEST_STAND_IN[1] - 1, -1)]
    stand_ins = [
        found
        for command in [*on_path, *(path for _, path in under_pyenv), sys.executable]
        if (found := probe(command)) is not None and minor(found[1]) >= OLDEST_STAND_IN
    ]
    if not stand_ins:
        raise NoPython(
            f"neither {wanted} nor any Python 3.11 or later was found: install {wanted} "
            "(pyenv install 3.13) or set PYTHON_RUNTIME=/path/to/python3.13."
        )
    path, version = max(stand_ins, key=lambda item: minor(item[1]))
    note = (
        f"{wanted}, which the function is deployed to, was not found (PYTHON_RUNTIME, PATH, "
        f"pyenv): the emulator and the second unit-test run use Python {version} ({path})."
    )
    return path, version, note


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--stamp", type=Path, help="write path and version here, if changed")
    args = parser.parse_args(argv)
    try:
        path, version, note = find()
    except NoPython as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if note:
        print(note, file=sys.stderr)
    text = f"{path}\n{version}\n"
    if args.stamp is None:
        print(text, end="")
    elif not args.stamp.is_file() or args.stamp.read_text() != text:
        args.stamp.parent.mkdir(parents=True, exist_ok=True)
        args.stamp.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
