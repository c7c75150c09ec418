"""A pytest run of its own, for the tests of the project's pytest plugins and options."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from kit.paths import REPO_ROOT


def run_pytest(
    work: Path, *arguments: str, environment: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m pytest ARGUMENTS` in `work` (no cache), importing this checkout's packages."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *arguments],
        cwd=work,
        env=os.environ
        | {"PYTHONPATH": f"{REPO_ROOT}:{REPO_ROOT / 'function'}"}
        | dict(environment or {}),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
