"""The function's package: the zip's size and files, and the cold import of its handler."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from harness.package import build_zip
from kit.paths import REPO_ROOT


@dataclass(frozen=True)
class PackageFigures:
    zip_bytes: int
    files: int
    import_ms: float


def package_figures(work: Path) -> PackageFigures:
    """The zip's size, and the cold import of pipesum.handler over a bare interpreter (median)."""
    zip_path = build_zip(work / "function.zip")
    with zipfile.ZipFile(zip_path) as archive:
        files = len(archive.namelist())

    def median_seconds(code: str) -> float:
        times = []
        for _ in range(31):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT / "function", check=True)
            times.append(time.perf_counter() - started)
        return statistics.median(times)

    imported = median_seconds("import pipesum.handler") - median_seconds("pass")
    return PackageFigures(zip_path.stat().st_size, files, imported * 1000)
