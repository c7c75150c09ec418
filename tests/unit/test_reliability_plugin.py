"""The reliability plugin: every run of a scenario leaves a record, with the outcome pytest saw."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.reliability import Books, Record, latest
from kit.paths import REPO_ROOT
from tests.unit.pytest_runs import run_pytest

pytest_plugins = ["pytester"]

SCENARIO_TESTS = """
import pytest

from harness.reliability import Scenario, account

LOAD = Scenario("load", title="Load", done="dropped 4 files", asserts="all 4 came out right")


@pytest.mark.reliability(LOAD)
def test_load(reliability):
    reliability.figure("threads", 16)
    books = reliability.account(
        account({"a": 1, "b": 2, "c": 3, "d": 4}, {"a": 1, "b": 2, "c": 30}, failure_messages=0)
    )
    assert books.missing == (), f"missing {len(books.missing)}"


@pytest.mark.reliability(Scenario("fine", title="Fine", done="d", asserts="a"))
def test_fine(reliability):
    reliability.figure("checked", "2 of 2")


@pytest.fixture
def broken_setup():
    raise RuntimeError("no stack")


@pytest.mark.reliability(Scenario("unset", title="Unset", done="d", asserts="a"))
def test_unset(broken_setup):
    pass


@pytest.mark.reliability(Scenario("skipped", title="Skipped", done="d", asserts="a"))
def test_skipped():
    pytest.skip("MiniStack only")


def test_not_a_scenario():
    pass
"""


@pytest.fixture(autouse=True)
def importable_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    """The inner pytest runs in a directory of its own: it imports the plugin from here."""
    monkeypatch.setenv("PYTHONPATH", f"{REPO_ROOT}:{REPO_ROOT / 'function'}")


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Record]:
    """The records one run of SCENARIO_TESTS leaves, by scenario id."""
    work = tmp_path_factory.mktemp("scenarios")
    (work / "test_scenarios.py").write_text(SCENARIO_TESTS)
    directory = work / "records"
    done = run_pytest(
        work,
        *("-p", "tests.support.reliability_plugin", f"--reliability-dir={directory}"),
        *("-q", "test_scenarios.py"),
    )
    assert "1 failed, 2 passed, 1 skipped, 1 error in" in done.stdout, done.stdout + done.stderr
    return {record.id: record for record in latest(directory)}


def test_every_marked_test_leaves_a_record_and_no_other(records: dict[str, Record]) -> None:
    assert sorted(records) == ["fine", "load", "skipped", "unset"]


def test_a_failing_test_leaves_a_failed_record_with_the_figures_and_books_it_took(
    records: dict[str, Record],
) -> None:
    load = records["load"]
    assert (load.result, load.failure) == ("FAILED", "AssertionError: missing 1")
    assert load.figures == {"threads": "16"}
    assert load.books == Books(
        dropped=4, outcomes=3, failure_messages=0, missing=("d",), wrong=("c",), duplicated=None
    )
    assert load.lost == 1
    assert (load.title, load.done, load.asserts) == (
        "Load",
        "dropped 4 files",
        "all 4 came out right",
    )


def test_a_passing_test_leaves_a_passed_record(records: dict[str, Record]) -> None:
    fine = records["fine"]
    assert (fine.result, fine.failure, fine.figures, fine.books) == (
        "passed",
        "",
        {"checked": "2 of 2"},
        None,
    )


def test_a_setup_error_and_a_skip_are_recorded_as_such(records: dict[str, Record]) -> None:
    assert (records["unset"].result, records["unset"].failure) == (
        "error",
        "in setup: RuntimeError: no stack",
    )
    assert (records["skipped"].result, records["skipped"].failure) == ("skipped", "MiniStack only")


def test_the_records_name_the_commit_and_the_target(records: dict[str, Record]) -> None:
    for record in records.values():
        assert len(record.commit) == 40
        assert record.target == "unknown"  # no --target option outside this repository's tests
        assert record.command == "make test"


def test_the_fixture_refuses_a_test_that_is_not_a_scenario(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_unmarked="def test_unmarked(reliability):\n    reliability.figure('x', 1)\n"
    )
    result = pytester.runpytest_subprocess(
        "-p", "tests.support.reliability_plugin", "-p", "no:cacheprovider"
    )
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*without being a scenario: mark it @pytest.mark.reliability*"])


def test_a_marker_without_a_scenario_is_refused(pytester: pytest.Pytester, tmp_path: Path) -> None:
    pytester.makepyfile(
        test_bad_marker=(
            "import pytest\n\n@pytest.mark.reliability('load')\ndef test_bad():\n    pass\n"
        )
    )
    result = pytester.runpytest_subprocess(
        "-p",
        "tests.support.reliability_plugin",
        f"--reliability-dir={tmp_path / 'records'}",
        "-p",
        "no:cacheprovider",
    )
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*write @pytest.mark.reliability(Scenario(...))*"])
    assert latest(tmp_path / "records") == []
