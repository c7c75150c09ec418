"""The behaviour plugin: every run of a marked test leaves a record, with its emulator and build."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from harness.emulator_gaps import BehaviourRun, latest
from tests.unit.pytest_runs import run_pytest

BEHAVIOUR_TESTS = """
import pytest


@pytest.fixture(params=["upstream", "patched"])
def emulator(request):
    return request.param


@pytest.mark.behaviour("conditional-deletes", emulator="localstack")
def test_reproduction(emulator):
    assert emulator == "patched", "the defect is still there"


@pytest.mark.xdist_group("stack")  # its node id gets "@stack" under --dist loadgroup
@pytest.mark.behaviour("s3-object-created-reaches-the-function", "functions-run-on-python-3-13")
def test_on_the_target():
    pass


@pytest.mark.parametrize(
    "case", [pytest.param(1, marks=pytest.mark.behaviour("conditional-deletes"))]
)
def test_a_marked_case(case):
    pytest.skip("not here")


def test_unmarked():
    pass
"""


def run_with_plugin(work: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return run_pytest(work, "-p", "tests.support.behaviour_plugin", "-q", *arguments)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> list[BehaviourRun]:
    work = tmp_path_factory.mktemp("behaviours")
    (work / "test_behaviours.py").write_text(BEHAVIOUR_TESTS)
    records = work / "records.jsonl"
    done = run_with_plugin(
        work,
        f"--behaviour-records={records}",
        "-n",
        "1",
        "--dist",
        "loadgroup",
        "test_behaviours.py",
    )
    assert "1 failed, 3 passed, 1 skipped in" in done.stdout, done.stdout + done.stderr
    return latest(records)


def test_each_marked_test_leaves_one_record_per_case_and_no_other(
    runs: list[BehaviourRun],
) -> None:
    assert [(run.test.rsplit("::", 1)[1], run.case) for run in runs] == [
        ("test_a_marked_case", "1"),
        ("test_on_the_target", ""),
        ("test_reproduction", "patched"),
        ("test_reproduction", "upstream"),
    ]


def test_a_reproduction_is_recorded_by_build_on_the_emulator_it_names(
    runs: list[BehaviourRun],
) -> None:
    shipped, patched = runs[3], runs[2]
    assert (shipped.emulator, shipped.build, shipped.result) == (
        "localstack",
        "as shipped",
        "FAILED",
    )
    assert shipped.failure == "AssertionError: the defect is still there"
    assert (patched.emulator, patched.build, patched.result) == ("localstack", "patched", "passed")
    assert shipped.behaviours == ("conditional-deletes",)


def test_a_test_on_the_target_names_every_behaviour_and_the_target(
    runs: list[BehaviourRun],
) -> None:
    on_target, skipped = runs[1], runs[0]
    assert on_target.behaviours == (
        "s3-object-created-reaches-the-function",
        "functions-run-on-python-3-13",
    )
    # no --target option outside this repository's tests
    assert (on_target.emulator, on_target.build) == ("unknown", "patched")
    assert (skipped.result, skipped.failure) == ("skipped", "not here")
    assert all(len(run.commit) == 40 for run in runs)


def test_an_unknown_behaviour_is_refused_by_name(tmp_path: Path) -> None:
    (tmp_path / "test_bad.py").write_text(
        "import pytest\n\n@pytest.mark.behaviour('fast')\ndef test_bad():\n    pass\n"
    )
    done = run_with_plugin(tmp_path, f"--behaviour-records={tmp_path / 'r.jsonl'}", "test_bad.py")
    assert done.returncode != 0
    assert "ids of harness/behaviours.py; unknown: ['fast']" in done.stdout + done.stderr
