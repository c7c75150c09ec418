"""docs/emulator-gaps.md: each emulator's cell read from the behaviour tests' records, the summary,
the page, and the behaviours' fixes against the patches the project carries."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest

from harness.behaviours import BEHAVIOURS, LOCALSTACK_PATCHES, MINISTACK_PATCHES, Behaviour, Fix
from harness.commits import Freshness
from harness.emulator_gaps import (
    BehaviourRun,
    emulator_cell,
    latest,
    make_run,
    pinned_version,
    render,
    summary,
    write,
)
from kit.paths import REPO_ROOT

HEAD = "a" * 40
OLD = "b" * 40
CODE = "c0de" * 3
FRESHNESS = Freshness(HEAD, CODE)
PATCH = Fix("providers/patches/ministack/0009-x.patch", "patch 0009")
SEQUENCER = Behaviour(
    "sequencer",
    "Later events win",
    "a later event has a greater sequencer",
    "https://docs.aws.amazon.com/s3",
    fixes={"ministack": PATCH},
    not_run={"localstack": "it cannot"},
)


def a_run(**changes: object) -> BehaviourRun:
    run = BehaviourRun(
        behaviours=("sequencer",),
        test="tests/integration/test_x.py::test_order",
        case="",
        emulator="ministack",
        build="patched",
        result="passed",
        commit=HEAD,
        recorded_at="2026-12-07T16:00:00Z",
        code=CODE,
    )
    return replace(run, **changes)  # type: ignore[arg-type]


def test_every_test_passing_as_pipesum_runs_it_is_as_aws_with_its_fix() -> None:
    runs = [a_run(), a_run(test="tests/integration/test_y.py::test_again")]
    assert emulator_cell(SEQUENCER, "ministack", runs) == (
        "as AWS with [patch 0009](../providers/patches/ministack/0009-x.patch) (2 of 2 passed)"
    )


def test_a_reproduction_on_the_emulator_as_shipped_says_it_still_differs() -> None:
    runs = [a_run(case="patched"), a_run(case="upstream", build="as shipped")]
    assert emulator_cell(SEQUENCER, "ministack", runs).endswith(
        "(1 of 1 passed); as shipped: differs (test_order)"
    )


def test_a_behaviour_without_a_fix_is_as_aws_where_its_tests_passed() -> None:
    plain = replace(SEQUENCER, fixes={})
    assert emulator_cell(plain, "ministack", [a_run()]) == "as AWS (1 of 1 passed)"


def test_a_failure_is_shown_with_its_first_line_whichever_build_failed() -> None:
    failed = a_run(result="FAILED", failure="AssertionError: no event")
    assert emulator_cell(SEQUENCER, "ministack", [a_run(case="other"), failed]) == (
        "**FAILED** (test_order): AssertionError: no event"
    )
    upstream_fixed = a_run(build="as shipped", result="FAILED", failure="defect gone")
    assert emulator_cell(SEQUENCER, "ministack", [a_run(), upstream_fixed]) == (
        "**FAILED** as shipped (test_order): defect gone"
    )


def test_an_emulator_with_no_run_is_not_run_with_the_declared_reason() -> None:
    assert emulator_cell(SEQUENCER, "localstack", [a_run()]) == "not run: it cannot"
    assert emulator_cell(replace(SEQUENCER, not_run={}), "localstack", []) == "**not run**"
    # a run of the emulator as shipped alone shows nothing about the emulator as pipesum runs it
    shipped_only = [a_run(build="as shipped")]
    assert emulator_cell(replace(SEQUENCER, not_run={}), "ministack", shipped_only) == (
        "**not run**"
    )


def test_the_summary_counts_verdicts_by_emulator_and_stale_runs() -> None:
    runs = [a_run(), a_run(emulator="localstack", commit=OLD, code="0" * 12, result="error")]
    line = summary([SEQUENCER, replace(SEQUENCER, id="other")], runs, FRESHNESS)
    assert line.startswith(
        "**2 behaviours, 2 test runs recorded (at aaaaaaa, bbbbbbb; code `000000000000`, "
        "`c0dec0dec0de`): "
    )
    ministack = (
        f"{pinned_version('ministack')} as AWS in 1 (1 with a fix), failed in 0, not run in 1"
    )
    localstack = (
        f"{pinned_version('localstack')} as AWS in 0 (0 with a fix), failed in 1, not run in 1"
    )
    assert f": {ministack}; {localstack}; " in line
    assert line.endswith("; 1 runs stale (the code is `c0dec0dec0de` at aaaaaaa).**")


def test_the_page_has_a_row_per_behaviour_with_each_emulator_s_cell() -> None:
    page = render([SEQUENCER], [a_run()], freshness=FRESHNESS, introduction="# Gaps\n")
    lines = page.splitlines()
    assert lines[0] == "# Gaps"
    assert lines[4] == (
        f"| Behaviour the pipeline relies on | What AWS documents | {pinned_version('ministack')} "
        f"| {pinned_version('localstack')} | Tests |"
    )
    assert lines[6] == (
        "| Later events win | a later event has a greater sequencer ([AWS](https://docs.aws."
        "amazon.com/s3)) | as AWS with [patch 0009](../providers/patches/ministack/0009-x.patch) "
        "(1 of 1 passed) | not run: it cannot | `tests/integration/test_x.py::test_order` |"
    )


def test_the_versions_are_the_pins_of_the_requirements() -> None:
    assert pinned_version("ministack").startswith("MiniStack 1.")
    assert pinned_version("localstack") == "LocalStack 4.14.0"


def test_records_keep_the_last_run_of_each_case_emulator_and_build(tmp_path: Path) -> None:
    path = tmp_path / "records.jsonl"
    first = make_run(
        ["sequencer"],
        test="t::a",
        case="",
        emulator="ministack",
        build="patched",
        result="FAILED",
        failure="no",
        now=dt.datetime(2026, 12, 7, tzinfo=dt.UTC),
    )
    write(first, path)
    write(replace(first, result="passed", failure=""), path)
    write(replace(first, emulator="localstack"), path)
    assert [(run.emulator, run.result) for run in latest(path)] == [
        ("localstack", "FAILED"),
        ("ministack", "passed"),
    ]
    assert first.recorded_at == "2026-12-07T00:00:00Z"
    assert len(first.commit) == 40
    assert len(first.code) == 12


def test_a_record_of_another_shape_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "records.jsonl"
    path.write_text(a_run(build="as shipped").to_json().replace("as shipped", "unpatched") + "\n")
    with pytest.raises(ValueError, match="not a behaviour run"):
        latest(path)


def test_every_patch_the_project_carries_is_the_fix_of_one_behaviour() -> None:
    carried = sorted(
        path.relative_to(REPO_ROOT).as_posix()
        for folder in (MINISTACK_PATCHES, LOCALSTACK_PATCHES)
        for path in (REPO_ROOT / folder).glob("*.patch")
    )
    fixes = sorted(
        fix.path
        for behaviour in BEHAVIOURS
        for fix in behaviour.fixes.values()
        if fix.path.endswith(".patch")
    )
    assert fixes == carried
    for behaviour in BEHAVIOURS:
        for fix in behaviour.fixes.values():
            assert (REPO_ROOT / fix.path).exists(), fix.path


def test_behaviour_ids_are_unique() -> None:
    ids = [behaviour.id for behaviour in BEHAVIOURS]
    assert len(ids) == len(set(ids))
