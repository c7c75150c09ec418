"""The reliability report: books, records and their history, stale rows, failures, the summary."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest

from harness.commits import Freshness
from harness.reliability import (
    Books,
    Record,
    Scenario,
    account,
    latest,
    make_record,
    render,
    row,
    summary,
    write,
)

HEAD = "a" * 40
OLD = "b" * 40
CODE = "c0de" * 3
OLD_CODE = "0" * 12
#: HEAD's records describe this code; OLD's were made before it changed.
FRESHNESS = Freshness(HEAD, CODE)


def a_record(id: str = "load", **changes: object) -> Record:  # noqa: A002
    base = Record(
        id=id,
        title=f"Scenario {id}",
        result="passed",
        done="dropped things",
        asserts="every thing came out right",
        command="make test",
        commit=HEAD,
        target="ministack",
        recorded_at="2026-01-02T03:04:05Z",
        figures={"threads": "16"},
        books=Books(dropped=3, outcomes=3, failure_messages=0, duplicated=()),
        code=CODE if changes.get("commit", HEAD) == HEAD else OLD_CODE,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


# --- books -----------------------------------------------------------------------------------


def test_the_books_count_missing_wrong_and_duplicated_items_from_what_was_found() -> None:
    expected = {"a": 1, "b": 2, "c": 3, "d": 4}
    books = account(
        expected, {"a": 1, "b": 20, "d": 4}, failure_messages=0, writes={"a": 1, "b": 1, "d": 2}
    )
    assert books == Books(
        dropped=4,
        outcomes=3,
        failure_messages=0,
        missing=("c",),
        wrong=("b",),
        duplicated=("d",),
    )
    assert books.lost == 1


def test_a_missing_item_a_failure_queue_message_stands_for_is_not_lost() -> None:
    books = account({"a": 1, "b": 2}, {}, failure_messages=1)
    assert (books.missing, books.lost) == (("a", "b"), 1)
    assert account({"a": 1}, {}, failure_messages=5).lost == 0


def test_duplicates_are_not_counted_without_write_counts() -> None:
    books = account({"a": 1}, {"a": 1}, failure_messages=0)
    assert books.duplicated is None
    assert books.figures()["duplicated"] == "not counted"


def test_the_books_figures_are_counts_of_what_was_found() -> None:
    books = Books(dropped=5, outcomes=4, failure_messages=1, missing=("x",), wrong=("y", "z"))
    assert books.figures() == {
        "dropped": "5",
        "outcomes in the destination": "4",
        "failure-queue messages": "1",
        "missing": "1",
        "wrong": "2",
        "duplicated": "not counted",
    }


# --- records -----------------------------------------------------------------------------------


def test_a_record_survives_its_json_round_trip() -> None:
    record = a_record(
        result="FAILED",
        failure="AssertionError: assert 3 == 4",
        uncommitted_changes=True,
        books=Books(dropped=4, outcomes=3, failure_messages=0, missing=("k",), duplicated=()),
    )
    assert Record.from_json(record.to_json()) == record
    assert Record.from_json(a_record(books=None).to_json()) == a_record(books=None)


def test_figures_keep_the_order_the_test_gave_them() -> None:
    record = a_record(figures={"wall time": "6 s", "threads": "16", "accepted": "3"})
    assert list(Record.from_json(record.to_json()).figures) == ["wall time", "threads", "accepted"]


def test_a_record_with_an_unknown_result_is_refused() -> None:
    text = a_record().to_json().replace('"passed"', '"fine"')
    with pytest.raises(ValueError, match="unknown result 'fine'"):
        Record.from_json(text)


def test_every_run_is_kept_and_the_latest_of_each_scenario_is_rendered(tmp_path: Path) -> None:
    write(a_record("load", result="passed", commit=OLD), tmp_path)
    write(a_record("load", result="FAILED", failure="boom"), tmp_path)
    write(a_record("corpus"), tmp_path)
    assert len((tmp_path / "load.jsonl").read_text().splitlines()) == 2
    assert [(r.id, r.result) for r in latest(tmp_path)] == [
        ("corpus", "passed"),
        ("load", "FAILED"),
    ]


def test_the_latest_record_of_a_scenario_is_kept_for_each_target(tmp_path: Path) -> None:
    write(a_record("load", target="ministack", result="FAILED", failure="x"), tmp_path)
    write(a_record("load", target="localstack", result="FAILED", failure="y"), tmp_path)
    write(a_record("load", target="ministack"), tmp_path)

    assert [(r.target, r.result) for r in latest(tmp_path)] == [
        ("localstack", "FAILED"),
        ("ministack", "passed"),
    ]


def test_a_new_record_names_the_commit_target_and_time_of_the_run() -> None:
    scenario = Scenario("s", title="S", done="d", asserts="a", target="ministack (AUTH=true)")
    moment = dt.datetime(2026, 5, 6, 7, 8, 9, tzinfo=dt.UTC)
    record = make_record(scenario, "error", target="aws", failure="in setup: x", now=moment)
    assert (record.id, record.title, record.result, record.failure) == (
        "s",
        "S",
        "error",
        "in setup: x",
    )
    assert (record.target, record.recorded_at) == ("ministack (AUTH=true)", "2026-05-06T07:08:09Z")
    assert len(record.commit) == 40
    assert len(record.code) == 12
    assert make_record(replace(scenario, target=None), "passed", target="aws").target == "aws"


# --- rendering ---------------------------------------------------------------------------------


def test_a_row_at_head_that_passed_shows_its_figures_books_and_items_lost() -> None:
    assert row(a_record(), FRESHNESS) == (
        "| Scenario load | passed | dropped things | every thing came out right | threads: 16<br>"
        "dropped: 3<br>outcomes in the destination: 3<br>failure-queue messages: 0<br>"
        "missing: 0<br>wrong: 0<br>duplicated: 0 | 0 | `make test` | ministack | `aaaaaaa`, code "
        "`c0dec0dec0de` | 2026-01-02T03:04:05Z |"
    )


def test_a_failed_row_says_so_with_its_failure_and_still_counts_what_was_lost() -> None:
    record = a_record(
        result="FAILED",
        failure="AssertionError: missing 30 | of 300",
        books=Books(dropped=300, outcomes=270, failure_messages=0, missing=("k",) * 30),
    )
    cells = row(record, FRESHNESS).split(" | ")
    assert cells[1] == "**FAILED**: AssertionError: missing 30 \\| of 300"
    assert cells[5] == "30"
    assert "missing: 30" in cells[4]


def test_a_row_recorded_at_another_commit_is_marked_stale() -> None:
    assert "| `bbbbbbb`, code `000000000000` **stale** |" in row(a_record(commit=OLD), FRESHNESS)
    assert "stale" not in row(a_record(), FRESHNESS)
    changed = row(a_record(uncommitted_changes=True), FRESHNESS)
    assert "| `aaaaaaa` + changes, code `c0dec0dec0de` |" in changed


def test_a_scenario_without_books_has_its_items_lost_not_counted() -> None:
    cells = row(a_record(books=None, result="error", failure="in setup: no stack"), FRESHNESS)
    assert cells.split(" | ")[1:2] == ["**error**: in setup: no stack"]
    assert cells.split(" | ")[5] == "not counted"


def test_the_summary_counts_results_stale_rows_and_items_lost() -> None:
    records = [
        a_record("a"),
        a_record("b", commit=OLD),
        a_record(
            "c",
            result="FAILED",
            books=Books(dropped=10, outcomes=7, failure_messages=1, missing=("x", "y", "z")),
        ),
        a_record("d", result="error", books=None, commit=OLD),
    ]
    assert summary(records, FRESHNESS) == (
        "**4 scenarios: 2 passed, 1 FAILED, 1 error; 2 stale (the code is `c0dec0dec0de` at "
        "aaaaaaa); items lost: 2, missing from the destination: 3 (counted in 3 scenarios; "
        "not counted in 1).**"
    )


def test_the_summary_of_all_passed_at_head_says_so() -> None:
    assert summary([a_record()], FRESHNESS) == (
        "**1 scenario: 1 passed; 0 stale (the code is `c0dec0dec0de` at aaaaaaa); items lost: "
        "0, missing from the destination: 0 (counted in 1 scenario).**"
    )


def test_the_page_is_the_introduction_the_summary_and_one_row_per_record() -> None:
    records = [a_record("a"), a_record("b", result="FAILED", commit=OLD)]
    page = render(records, freshness=FRESHNESS, introduction="# Title\n\nIntro.\n")
    lines = page.splitlines()
    assert lines[:4] == ["# Title", "", "Intro.", ""]
    assert lines[4] == summary(records, FRESHNESS)
    assert lines[6].startswith("| Scenario | Result | What was done | What the test asserts |")
    assert lines[8:] == [row(records[0], FRESHNESS), row(records[1], FRESHNESS)]
    assert page.endswith("\n")
    assert "typed by hand" not in render(records, freshness=FRESHNESS)
