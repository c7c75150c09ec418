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
    reset, *parts = read(budget)
    assert float(str(reset["reset"])) <= float(str(parts[0]["started"]))
    assert [(part["part"], part["status"]) for part in parts] == [("lint", 0), ("unit tests", 3)]
    assert all(0 <= float(str(part["seconds"])) < 60 for part in parts)
    printed = capsys.readouterr().err
    assert "unit tests  FAILED (exit 3)" in printed
    assert printed.splitlines()[0].startswith("time budget of make test (minutes:seconds;")


def test_a_part_with_a_log_says_one_line_as_it_starts_and_ends_and_the_tail_when_it_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    budget, log = tmp_path / "budget.jsonl", tmp_path / "logs" / "unit.log"
    says = "import sys; print('first'); print('the failure'); sys.exit(2)"
    argv = ["--budget", str(budget), "part", "--log", str(log), "unit", "--", sys.executable]
    assert main([*argv, "-c", says]) == 2
    assert log.read_text() == "first\nthe failure\n"
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == f"- unit: started (its output: {log})"
    assert printed[1].startswith("- unit: FAILED (exit 2) in 0:0")
    assert printed[2:] == [f"  the last lines of {log}:", "first", "the failure"]


def test_a_part_counts_the_cpu_time_of_what_it_ran(tmp_path: Path) -> None:
    budget = tmp_path / "budget.jsonl"
    burns = "import time\nend = time.process_time() + 0.5\nwhile time.process_time() < end: pass"
    assert main(["--budget", str(budget), "part", "busy", "--", sys.executable, "-c", burns]) == 0
    assert main(["--budget", str(budget), "part", "idle", "--", sys.executable, "-c", "0"]) == 0
    busy, idle = read(budget)
    assert float(str(busy["cpu"])) >= 0.5
    assert float(str(idle["cpu"])) < 0.5


def test_the_commands_of_a_part_are_told_where_the_budget_is(tmp_path: Path) -> None:
    budget = tmp_path / "budget.jsonl"
    writes = (
        "import json, os; open(os.environ['PIPESUM_TIME_BUDGET'], 'a').write(json.dumps("
        "{'part': os.environ['PIPESUM_TIME_BUDGET_PART'], 'group': 'g', 'seconds': 1, "
        "'tests': 2}) + '\\n')"
    )
    assert main(["--budget", str(budget), "part", "runs", "--", sys.executable, "-c", writes]) == 0
    assert read(budget)[0] == {"part": "runs", "group": "g", "seconds": 1, "tests": 2}


def test_the_budget_lists_parts_by_start_with_groups_beneath_and_the_wall_clock_total(
    tmp_path: Path,
) -> None:
    budget = tmp_path / "budget.jsonl"
    append({"reset": 1000.0}, budget)
    append({"part": "environments", "started": 1000.0, "seconds": 60.0, "cpu": 30}, budget)
    append({"part": "lint", "started": 1060.0, "seconds": 10.0, "status": 0, "cpu": 12}, budget)
    unit = {"part": "tests", "group": "unit tests", "seconds": 100.4, "tests": 900, "cpu": 90}
    append(unit, budget)
    append({"part": "tests", "started": 1060.0, "seconds": 180.0, "status": 1, "cpu": 300}, budget)
    assert render(read(budget)).splitlines()[1:] == [
        "   start    took     cpu  part",
        "    0:00    1:00    0:30  environments",
        "    1:00    0:10    0:12  lint",
        "    1:00    3:00    5:00  tests  FAILED (exit 1)",
        "            1:40    1:30    unit tests (900 tests)",
        "   total    4:00    5:42",
    ]


def test_a_part_without_a_command_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        main(["--budget", str(tmp_path / "b.jsonl"), "part", "lint", "--"])


def test_a_pytest_run_adds_the_time_and_count_of_each_group(tmp_path: Path) -> None:
    (tmp_path / "test_some.py").write_text(
        "import time\n\ndef test_a():\n    pass\n\ndef test_b():\n"
        "    end = time.process_time() + 0.5\n    while time.process_time() < end:\n        pass\n"
    )
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
    assert 0.5 <= float(str(group["cpu"])) < 60
