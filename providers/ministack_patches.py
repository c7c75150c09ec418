"""The fixes pipesum carries against the pinned MiniStack until upstream has them.

Each file in providers/patches/ministack/ is a unified diff against the `ministack` package of the
version requirements/emulator.txt pins (docs/emulator-gaps.md says what each fixes and why). The
emulator's virtualenv stays as upstream ships it: `patched_overlay()` builds, once per MiniStack
version and set of patches, a copy of the installed package with the patches applied, under
build/emulator/, and the MiniStack target puts that copy first on the emulator's PYTHONPATH.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import uuid
from pathlib import Path

from kit.paths import REPO_ROOT
from providers.base import TargetError

PATCHES_DIR = Path(__file__).resolve().parent / "patches" / "ministack"
BUILD_DIR = REPO_ROOT / "build" / "emulator"


def patch_files() -> tuple[Path, ...]:
    """The patches, in the order they apply."""
    return tuple(sorted(PATCHES_DIR.glob("*.patch")))


def installed_package(python: Path) -> tuple[Path, str]:
    """Where `python` imports MiniStack from, and the version installed there."""
    script = (
        "import importlib.metadata, pathlib, ministack\n"
        "print(pathlib.Path(ministack.__file__).parent)\n"
        "print(importlib.metadata.version('ministack'))\n"
    )
    result = subprocess.run(
        [str(python), "-c", script], capture_output=True, text=True, check=False, timeout=60
    )
    if result.returncode != 0:
        raise TargetError(
            f"MiniStack cannot be imported by {python}: run `make venv`.\n{result.stderr.strip()}"
        )
    package, version = result.stdout.split()
    return Path(package), version


def patched_overlay(python: Path, patches: tuple[Path, ...] | None = None) -> Path:
    """A directory holding the `ministack` package of `python` with `patches` applied.

    Built once per (version, patches) and reused; a patch that no longer applies (upstream moved
    on) stops the start with a message naming it.
    """
    patches = patch_files() if patches is None else patches
    package, version = installed_package(python)
    digest = hashlib.sha256(version.encode())
    for patch in patches:
        digest.update(patch.name.encode() + b"\0" + patch.read_bytes())
    overlay = BUILD_DIR / f"ministack-{version}-{digest.hexdigest()[:12]}"
    if (overlay / "ministack").is_dir():
        return overlay
    if shutil.which("patch") is None:
        raise TargetError(
            "`patch` is not installed; it applies pipesum's fixes to MiniStack. "
            "Install it (apt-get install patch) and run this again."
        )
    staging = BUILD_DIR / f".staging-{uuid.uuid4().hex}"
    shutil.copytree(package, staging / "ministack", ignore=shutil.ignore_patterns("__pycache__"))
    try:
        for patch in patches:
            _apply(patch, staging, version)
        try:
            staging.rename(overlay)
        except OSError:
            if not (overlay / "ministack").is_dir():
                raise  # not another process finishing the same build first
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return overlay


def _apply(patch: Path, directory: Path, version: str) -> None:
    result = subprocess.run(
        ["patch", "-p1", "--forward", "--batch", "--no-backup-if-mismatch", "-i", str(patch)],
        cwd=directory,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    if result.returncode != 0:
        raise TargetError(
            f"{patch.name} does not apply to MiniStack {version}: upstream has changed the code "
            "it fixes. Check whether upstream fixed the defect (docs/emulator-gaps.md), then "
            f"refresh or drop the patch.\n{(result.stdout + result.stderr).strip()}"
        )
