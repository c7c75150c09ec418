"""What the LocalStack target puts first on LocalStack's PYTHONPATH: the executor and the fixes.

- the process runtime executor (providers/lambda_process/), copied as `pipesum_lambda_process`
  with a distribution record whose entry point registers it in `localstack.lambda.runtime_executor`
  (LocalStack finds executors by entry point; LAMBDA_RUNTIME_EXECUTOR=process picks it);
- the `localstack` package with pipesum's fixes applied (providers/patches/localstack/,
  providers/package_patches.py), where there are any.
The virtualenv stays as requirements/localstack-core.txt installs it. Each overlay is built once
per content (executor sources, patches, LocalStack version) under build/emulator/.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from providers.package_patches import BUILD_DIR, build_once, patch_files, patched_overlay

EXECUTOR_SOURCE = Path(__file__).resolve().parent / "lambda_process"
EXECUTOR_PACKAGE = "pipesum_lambda_process"
ENTRY_POINT_GROUP = "localstack.lambda.runtime_executor"
EXECUTOR_NAME = "process"
_DIST_INFO = f"{EXECUTOR_PACKAGE}-1.dist-info"


def executor_files() -> tuple[Path, ...]:
    return tuple(sorted(EXECUTOR_SOURCE.glob("*.py")))


def overlay(python: Path, *, patched: bool = True) -> str:
    """The PYTHONPATH for LocalStack run by `python`: the executor's folder, then (`patched`) the
    patched `localstack` package's."""
    folders = [str(executor_overlay())]
    if patched and patch_files("localstack"):
        folders.append(str(patched_overlay(python, "localstack")))
    return ":".join(folders)


def executor_overlay() -> Path:
    digest = hashlib.sha256()
    for source in executor_files():
        digest.update(source.name.encode() + b"\0" + source.read_bytes())
    folder = BUILD_DIR / f"lambda-process-{digest.hexdigest()[:12]}"
    return build_once(folder, _write_executor)


def _write_executor(staging: Path) -> None:
    package = staging / EXECUTOR_PACKAGE
    package.mkdir()
    for source in executor_files():
        shutil.copy2(source, package / source.name)
    record = staging / _DIST_INFO
    record.mkdir()
    (record / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {EXECUTOR_PACKAGE.replace('_', '-')}\nVersion: 1\n"
    )
    (record / "entry_points.txt").write_text(
        f"[{ENTRY_POINT_GROUP}]\n"
        f"{EXECUTOR_NAME} = {EXECUTOR_PACKAGE}.localstack_plugin:ProcessRuntimeExecutorPlugin\n"
    )
