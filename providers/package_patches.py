"""The fixes pipesum carries against a pinned emulator until upstream has them.

Each file in providers/patches/<package>/ is a unified diff against that package (`ministack`,
`localstack`) of the version its requirements file pins; the README beside them says what each
fixes and why. The emulator's virtualenv stays as upstream ships it: `patched_overlay()` builds,
once per version and set of patches, a copy of the installed package with the patches applied,
under build/emulator/, and the target puts that copy first on the emulator's PYTHONPATH.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path

from kit.paths import REPO_ROOT
from providers.base import TargetError

PATCHES_DIR = Path(__file__).resolve().parent / "patches"
BUILD_DIR = REPO_ROOT / "build" / "emulator"
#: The distribution that ships each patched package.
DISTRIBUTIONS = {"ministack": "ministack", "localstack": "localstack-core"}


def patch_files(package: str) -> tuple[Path, ...]:
    """The patches of `package`, in the order they apply."""
    return tuple(sorted((PATCHES_DIR / package).glob("*.patch")))


def installed_package(python: Path, package: str) -> tuple[Path, str]:
    """Where `python` imports `package` from, and the version of its distribution there."""
    script = (
        f"import importlib.metadata, {package}\n"
        f"print(list({package}.__path__)[0])\n"  # a namespace package (localstack) has no __file__
        f"print(importlib.metadata.version({DISTRIBUTIONS[package]!r}))\n"
    )
    result = subprocess.run(
        [str(python), "-c", script], capture_output=True, text=True, check=False, timeout=60
    )
    if result.returncode != 0:
        raise TargetError(
            f"{package} cannot be imported by {python}: run `make venv`.\n{result.stderr.strip()}"
        )
    location, version = result.stdout.split()
    return Path(location), version


def patched_overlay(python: Path, package: str, patches: tuple[Path, ...] | None = None) -> Path:
    """A directory holding `package` as `python` imports it, with `patches` (by default its
    patches in providers/patches/<package>/) applied.

    Built once per (version, patches) and reused; a patch that no longer applies (upstream moved
    on) stops the start with a message naming it.
    """
    patches = patch_files(package) if patches is None else patches
    source, version = installed_package(python, package)
    digest = hashlib.sha256(version.encode())
    for patch in patches:
        digest.update(patch.name.encode() + b"\0" + patch.read_bytes())
    overlay = BUILD_DIR / f"{package}-{version}-{digest.hexdigest()[:12]}"
    if overlay.is_dir():
        return overlay
    if shutil.which("patch") is None:
        raise TargetError(
            f"`patch` is not installed; it applies pipesum's fixes to {package}. "
            "Install it (apt-get install patch) and run this again."
        )

    def build(staging: Path) -> None:
        shutil.copytree(source, staging / package, ignore=shutil.ignore_patterns("__pycache__"))
        for patch in patches:
            _apply(patch, staging, f"{package} {version}")

    return build_once(overlay, build)


def build_once(folder: Path, build: Callable[[Path], None]) -> Path:
    """`folder`, built by `build` into a staging folder then renamed into place, so that it is
    whole whenever it exists; test workers building the same one at once each finish or reuse."""
    if folder.is_dir():
        return folder
    staging = folder.parent / f".staging-{uuid.uuid4().hex}"
    staging.mkdir(parents=True)
    try:
        build(staging)
        try:
            staging.rename(folder)
        except OSError:
            if not folder.is_dir():
                raise  # not another process finishing the same build first
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder


def _apply(patch: Path, directory: Path, release: str) -> None:
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
            f"{patch.name} does not apply to {release}: upstream has changed the code "
            f"it fixes. Check whether upstream fixed the defect ({patch.parent}/README.md), then "
            f"refresh or drop the patch.\n{(result.stdout + result.stderr).strip()}"
        )
