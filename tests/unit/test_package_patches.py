"""The patched copy of MiniStack: built once per version and set of patches from the installed
package (which stays as shipped), and a patch that no longer applies stops the start by name."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from providers import package_patches
from providers.base import TargetError
from providers.package_patches import installed_package, patch_files, patched_overlay

PATCH = """\
--- a/ministack/core.py
+++ b/ministack/core.py
@@ -1,2 +1,2 @@
 def answer():
-    return 41
+    return 42
"""


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in for the installed `ministack` package, version 1.5.33; builds go to tmp_path."""
    package = tmp_path / "site-packages" / "ministack"
    package.mkdir(parents=True)
    (package / "core.py").write_text("def answer():\n    return 41\n", encoding="utf-8")
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "core.pyc").write_bytes(b"stale")
    monkeypatch.setattr(package_patches, "installed_package", lambda *_: (package, "1.5.33"))
    monkeypatch.setattr(package_patches, "BUILD_DIR", tmp_path / "build")
    return package


def write_patch(directory: Path, name: str, text: str) -> Path:
    patch = directory / name
    patch.write_text(text, encoding="utf-8")
    return patch


def test_the_overlay_holds_the_package_patched_and_the_installed_one_is_untouched(
    installed: Path, tmp_path: Path
) -> None:
    patch = write_patch(tmp_path, "0001-answer.patch", PATCH)

    overlay = patched_overlay(Path(sys.executable), "ministack", (patch,))

    assert overlay.parent == tmp_path / "build"
    assert overlay.name.startswith("ministack-1.5.33-")
    assert (overlay / "ministack" / "core.py").read_text() == "def answer():\n    return 42\n"
    assert not (overlay / "ministack" / "__pycache__").exists()
    assert (installed / "core.py").read_text() == "def answer():\n    return 41\n"
    assert [path.name for path in (tmp_path / "build").iterdir()] == [overlay.name]


def test_the_overlay_is_reused_for_the_same_patches_and_rebuilt_for_others(
    installed: Path, tmp_path: Path
) -> None:
    patch = write_patch(tmp_path, "0001-answer.patch", PATCH)
    first = patched_overlay(Path(sys.executable), "ministack", (patch,))
    (installed / "core.py").write_text("changed after the build\n", encoding="utf-8")

    assert patched_overlay(Path(sys.executable), "ministack", (patch,)) == first
    assert (first / "ministack" / "core.py").read_text() == "def answer():\n    return 42\n"
    assert patched_overlay(Path(sys.executable), "ministack", ()) != first


def test_a_patch_that_no_longer_applies_is_named_and_leaves_no_build(
    installed: Path, tmp_path: Path
) -> None:
    (installed / "core.py").write_text("def answer():\n    return 40\n", encoding="utf-8")
    patch = write_patch(tmp_path, "0007-moved-upstream.patch", PATCH)

    with pytest.raises(TargetError, match=r"0007-moved-upstream\.patch does not apply to"):
        patched_overlay(Path(sys.executable), "ministack", (patch,))

    assert list((tmp_path / "build").iterdir()) == []


@pytest.mark.usefixtures("installed")
def test_without_the_patch_tool_the_error_says_how_to_install_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shutil, "which", lambda _: None)

    with pytest.raises(TargetError, match=r"apt-get install patch"):
        patched_overlay(
            Path(sys.executable), "ministack", (write_patch(tmp_path, "0001-a.patch", PATCH),)
        )


def test_a_python_without_ministack_is_told_to_run_make_venv(tmp_path: Path) -> None:
    python = tmp_path / "python"
    python.write_text("#!/bin/sh\necho 'No module named ministack' >&2\nexit 1\n")
    python.chmod(0o755)

    with pytest.raises(TargetError, match=r"cannot be imported by .*: run `make venv`"):
        installed_package(python, "ministack")


def test_the_patches_apply_in_the_order_of_their_numbers() -> None:
    names = [patch.name for patch in patch_files("ministack")]

    assert names
    assert names == sorted(names)
    assert all(name[:4].isdigit() for name in names)
