"""docs/code-map.md names every module of the four packages it maps, so a reader finds each one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kit.paths import REPO_ROOT

CODE_MAP = REPO_ROOT / "docs" / "code-map.md"
PACKAGES = ("function/pipesum", "kit", "providers", "harness")


def _blocks(package: str) -> list[str]:
    """The section `## <package>` of the map, as its paragraphs and its table rows."""
    sections = re.split(r"^## ", CODE_MAP.read_text(), flags=re.MULTILINE)
    [section] = [text for text in sections if text.split()[0] == package]
    blocks: list[str] = []
    for paragraph in section.split("\n\n"):
        lines = paragraph.strip().splitlines()
        is_table = bool(lines) and lines[0].startswith("|")
        blocks += lines if is_table else [" ".join(lines)]
    return blocks


def _named(path: Path, package: Path, blocks: list[str]) -> bool:
    """A module by its file name (`` `stack.py` ``); one of a subpackage also by its name, as a
    word, where the subpackage is named (`` `bench/` ``)."""
    if any(f"`{path.name}`" in block for block in blocks):
        return True
    relative = path.relative_to(package)
    if len(relative.parts) == 1:
        return False
    subpackage = f"`{relative.parts[0]}/`"
    word = re.compile(rf"\b{re.escape(path.stem)}\b")
    return any(subpackage in block and word.search(block) for block in blocks)


@pytest.mark.parametrize("package", PACKAGES)
def test_every_module_is_on_the_code_map(package: str) -> None:
    root = REPO_ROOT / package
    blocks = _blocks(package)
    modules = [path for path in sorted(root.rglob("*.py")) if path.name != "__init__.py"]
    assert modules, f"no module found under {package}"
    missing = [
        str(path.relative_to(REPO_ROOT)) for path in modules if not _named(path, root, blocks)
    ]
    assert missing == [], (
        f"docs/code-map.md, section {package}, does not name: {', '.join(missing)}"
    )
