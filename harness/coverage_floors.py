"""Branch coverage per package against its floor, from coverage.py's JSON report.

coverage.py's own `fail_under` is one figure for everything measured; the floors here are per
package (function/pipesum, harness, providers, kit), declared in pyproject.toml under
[tool.pipesum.coverage-floors]. A package's figure is the one `coverage report` prints with
`branch = true`: covered statements and branches over all statements and branches.

    python -m harness.coverage_floors [--report build/coverage/coverage.json]

prints each package's figure and fails naming every package under its floor, every measured file
no floor covers, and every floor that measured nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from kit.console import say
from kit.paths import REPO_ROOT

DEFAULT_REPORT = REPO_ROOT / "build" / "coverage" / "coverage.json"
PYPROJECT = REPO_ROOT / "pyproject.toml"
FLOORS_TABLE = "tool.pipesum.coverage-floors"


class CoverageSetupError(Exception):
    """The report or the floors cannot be read as they should be."""


@dataclass(frozen=True)
class PackageCoverage:
    package: str
    floor: float
    statements: int
    covered_statements: int
    branches: int
    covered_branches: int

    @property
    def measured(self) -> bool:
        return self.statements + self.branches > 0

    @property
    def percent(self) -> float:
        """coverage.py's figure in branch mode: statements and branches together."""
        total = self.statements + self.branches
        return 100.0 * (self.covered_statements + self.covered_branches) / total if total else 0.0

    @property
    def under_floor(self) -> bool:
        covered = self.covered_statements + self.covered_branches
        # Exact: 84.96% is under a floor of 85, whatever the figure rounds to when printed.
        return covered * 100 < self.floor * (self.statements + self.branches)


@dataclass(frozen=True)
class Verdict:
    packages: tuple[PackageCoverage, ...]
    unfloored_files: tuple[str, ...]

    @property
    def failures(self) -> list[str]:
        problems = [
            f"{package.package}: nothing measured (is it in [tool.coverage.run] source?)"
            for package in self.packages
            if not package.measured
        ]
        problems += [
            f"{package.package}: {package.percent:.1f}% is under its floor of {package.floor:g}%"
            for package in self.packages
            if package.measured and package.under_floor
        ]
        problems += [
            f"{path}: measured but under no floor (add its package to [{FLOORS_TABLE}])"
            for path in self.unfloored_files
        ]
        return problems


def read_floors(pyproject: Path) -> dict[str, float]:
    """The floors of [tool.pipesum.coverage-floors]: package directory -> percent."""
    try:
        with pyproject.open("rb") as stream:
            config = tomllib.load(stream)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise CoverageSetupError(f"cannot read {pyproject}: {error}") from error
    table = config.get("tool", {}).get("pipesum", {}).get("coverage-floors")
    if not isinstance(table, dict) or not table:
        raise CoverageSetupError(f"{pyproject} has no [{FLOORS_TABLE}] table of floors")
    floors: dict[str, float] = {}
    for package, floor in table.items():
        if isinstance(floor, bool) or not isinstance(floor, int | float) or not 0 <= floor <= 100:
            raise CoverageSetupError(
                f"[{FLOORS_TABLE}] {package} = {floor!r}: a floor is a percent from 0 to 100"
            )
        floors[str(PurePosixPath(package))] = float(floor)
    return floors


def read_report(report: Path) -> dict[str, Mapping[str, int]]:
    """Each measured file's summary from coverage.py's JSON report (made with branch = true)."""
    try:
        document = json.loads(report.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise CoverageSetupError(
            f"no coverage report at {report}: run pytest with --cov and --cov-report=json first"
        ) from error
    except (OSError, json.JSONDecodeError) as error:
        raise CoverageSetupError(f"cannot read the coverage report {report}: {error}") from error
    if not document.get("meta", {}).get("branch_coverage"):
        raise CoverageSetupError(
            f"{report} was measured without branch coverage:"
            " set branch = true in [tool.coverage.run]"
        )
    return {path: entry["summary"] for path, entry in document["files"].items()}


def package_of(path: str, packages: list[str]) -> str | None:
    """The floor's package holding `path`: the deepest directory that contains it."""
    file = PurePosixPath(Path(path).as_posix())
    holding = [package for package in packages if file.is_relative_to(package)]
    return max(holding, key=len, default=None)


def judge(summaries: Mapping[str, Mapping[str, int]], floors: Mapping[str, float]) -> Verdict:
    totals = {package: [0, 0, 0, 0] for package in floors}
    unfloored = []
    for path, summary in sorted(summaries.items()):
        package = package_of(path, list(floors))
        if package is None:
            unfloored.append(path)
            continue
        counts = totals[package]
        counts[0] += summary["num_statements"]
        counts[1] += summary["covered_lines"]
        counts[2] += summary["num_branches"]
        counts[3] += summary["covered_branches"]
    packages = tuple(
        PackageCoverage(package, floors[package], *totals[package]) for package in sorted(floors)
    )
    return Verdict(packages, tuple(unfloored))


def render(verdict: Verdict) -> list[str]:
    width = max(len(package.package) for package in verdict.packages)
    lines = ["branch coverage (statements and branches, as coverage.py counts them), floors:"]
    for package in verdict.packages:
        status = "UNDER THE FLOOR" if package.under_floor or not package.measured else "ok"
        lines.append(
            f"  {package.package:<{width}}  {package.percent:5.1f}%  floor {package.floor:g}%"
            f"  statements {package.covered_statements}/{package.statements}"
            f"  branches {package.covered_branches}/{package.branches}  {status}"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--report", type=Path, default=DEFAULT_REPORT, help="coverage.py's JSON report"
    )
    parser.add_argument("--pyproject", type=Path, default=PYPROJECT, help="where the floors are")
    args = parser.parse_args(argv)
    try:
        verdict = judge(read_report(args.report), read_floors(args.pyproject))
    except CoverageSetupError as error:
        say(f"coverage floors: {error}")
        return 2
    for line in render(verdict):
        say(line)
    if verdict.failures:
        say("coverage is under its floor; cover the lines `coverage report` lists as missing:")
        for failure in verdict.failures:
            say(f"  - {failure}")
        say(f"  (a floor in [{FLOORS_TABLE}] goes down only in a commit saying why)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
