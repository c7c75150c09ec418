"""make test's time budget: parts timed as they run, groups beneath them, printed on failure."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from harness.time_budget import append, main, read, render
from tests.unit.pytest_runs import run_pytest


def test_a_part_is_timed_with_its_status_and_the_budget_printed_when_it_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    budget = tmp_path / "budget.jsonl"
    assert main(["--budget", str(budget), "reset"]) == 0
    assert main(["--budget", str(budget), "part", "lint", "--", sys.executable, "-c", "0"]) == 0
    failing = [sys.executable, "-c", "import sys; sys.exit(3)"]
    assert main(["--budget", str(budget), "part", "unit tests", "--", *failing]) == 3
    parts = read(budget)
    assert [(part["part"], part["status"]) for part in parts] == [("lint", 0), ("unit tests", 3)]
    assert all(0 <= float(str(part["seconds"])) < 60 for part in parts)
    printed = capsys.readouterr().err
    assert "unit tests  FAILED (exit 3)" in printed
    assert printed.splitlines()[0] == "time budget of make test (minutes:seconds, wall clock):"


def test_the_commands_of_a_part_are_told_where_the_budget_is(tmp_path: Path) -> None:
    budget = tmp_path / "budget.jsonl"
    writes = (
        "import json, os; open(os.environ['PIPESUM_TIME_BUDGET'], 'a').write(json.dumps("
        "{'part': os.environ['PIPESUM_TIME_BUDGET_PART'], 'group': 'g', 'seconds': 1, "
        "'tests': 2}) + '\\n')"
    )
    assert main(["--budget", str(budget), "part", "runs", "--", sys.executable, "-c", writes]) == 0
    assert read(budget)[0] == {"part": "runs", "group": "g", "seconds": 1, "tests": 2}


def test_the_budget_lists_parts_with_their_share_and_groups_beneath_them(tmp_path: Path) -> None:
    budget = tmp_path / "budget.jsonl"
    append({"part": "environments", "seconds": 60.0, "status": 0}, budget)
    append({"part": "tests", "group": "unit tests", "seconds": 100.4, "tests": 900}, budget)
    append({"part": "tests", "seconds": 180.0, "status": 0}, budget)
    assert render(read(budget)).splitlines()[1:] == [
        "    1:00   25%  environments",
        "    3:00   75%  tests",
        "                  1:40  unit tests (900 tests)",
        "    4:00  100%  total",
    ]


def test_a_part_without_a_command_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        main(["--budget", str(tmp_path / "b.jsonl"), "part", "lint", "--"])


def test_a_pytest_run_adds_the_time_and_count_of_each_group(tmp_path: Path) -> None:
    (tmp_path / "test_some.py").write_text("def test_a():\n    pass\n\ndef test_b():\n    pass\n")
    budget = tmp_path / "budget.jsonl"
    done = run_pytest(
        tmp_path,
        *("-p", "tests.support.time_budget_plugin", "-q", "test_some.py"),
        environment={"PIPESUM_TIME_BUDGET": str(budget), "PIPESUM_TIME_BUDGET_PART": "unit"},
    )
    assert done.returncode == 0, done.stdout + done.stderr
    [group] = read(budget)
    assert (group["part"], group["group"], group["tests"]) == ("unit", "unit tests", 2)
    assert 0 <= float(str(group["seconds"])) < 60
