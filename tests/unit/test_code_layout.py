"""The code map of docs/code-map.md, held: imports go one way, and no module outgrows one job."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from kit.paths import REPO_ROOT

#: Each package of ours, and the packages of ours it may import (docs/code-map.md).
MAY_IMPORT: dict[str, frozenset[str]] = {
    "function/pipesum": frozenset({"pipesum"}),
    "providers": frozenset({"providers", "kit"}),
    "kit": frozenset({"kit", "pipesum"}),
    "harness": frozenset({"harness", "providers", "kit", "pipesum"}),
}
OURS = frozenset({"pipesum", "providers", "kit", "harness", "tests"})
MAX_LINES = 500


def modules(package: str) -> list[Path]:
    return sorted((REPO_ROOT / package).rglob("*.py"))


def imported_packages(path: Path) -> set[str]:
    """The top-level packages of ours that `path` imports, anywhere in the module."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found & OURS


@pytest.mark.parametrize("package", sorted(MAY_IMPORT))
def test_imports_go_one_way(package: str) -> None:
    """function imports nothing of ours, providers nothing of the harness, the harness and the
    kit never the tests."""
    found = {
        path.relative_to(REPO_ROOT).as_posix(): sorted(
            imported_packages(path) - MAY_IMPORT[package]
        )
        for path in modules(package)
    }
    assert modules(package), f"no modules found under {package}/"
    assert {path: wrong for path, wrong in found.items() if wrong} == {}


@pytest.mark.parametrize("package", sorted(MAY_IMPORT))
def test_no_module_is_over_500_lines(package: str) -> None:
    lengths = {
        path.relative_to(REPO_ROOT).as_posix(): len(path.read_text().splitlines())
        for path in modules(package)
    }
    assert lengths, f"no modules found under {package}/"
    assert {path: lines for path, lines in lengths.items() if lines > MAX_LINES} == {}


def test_a_forbidden_import_is_found(tmp_path: Path) -> None:
    """The import reader sees what the direction test relies on: plain, from- and late imports."""
    module = tmp_path / "sample.py"
    module.write_text(
        "import json\nimport harness.cli\nfrom tests.support import books\n"
        "def late():\n    from providers.base import Target\n    from . import sibling\n"
    )
    assert imported_packages(module) == {"harness", "tests", "providers"}
