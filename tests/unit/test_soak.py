"""The soak's pure parts: pacing, timing, and the books it balances (no network)."""

from __future__ import annotations

import argparse
import json

import pytest

from harness.soak.accounting import Accounting, account, problems, source_key_of_report
from harness.soak.cli import is_loopback
from harness.soak.report import accounting_line, soak_scenario
from harness.soak.runner import Timing, due_time, wait_before
from kit.inputs import PlannedFile, plan_files, rejected_cases

REJECTED = rejected_cases()


def report_bytes(file: PlannedFile, *, code: str | None = None) -> bytes:
    return json.dumps(
        {
            "source_key": file.key,
            "error_code": code or file.error_code,
            "line": file.error_line,
            "field": file.error_field,
        }
    ).encode()


def books_of(planned: list[PlannedFile], *, failure_messages: int = 0) -> Accounting:
    """The books when every file ended exactly as planned."""
    return account(
        {file.key: file for file in planned},
        dropped=[file.key for file in planned],
        outputs={f.key: f.expected_output for f in planned if f.expected_output is not None},
        reports={f"_rejected/{f.key}.json": report_bytes(f) for f in planned if f.rejected},
        failure_messages=failure_messages,
    )


# --- pacing -----------------------------------------------------------------------------------


def test_schedule_spaces_drops_evenly_at_the_rate() -> None:
    """At 20 files/s, file n is due n/20 s after the start."""
    assert [due_time(100.0, index, 20.0) for index in (0, 1, 20, 1999)] == [
        100.0,
        100.05,
        101.0,
        199.95,
    ]


def test_schedule_refuses_a_rate_that_is_not_positive() -> None:
    """A zero rate would never drop anything."""
    with pytest.raises(ValueError, match="rate must be positive"):
        due_time(0.0, 1, 0.0)


def test_a_drop_behind_schedule_goes_at_once() -> None:
    """Pacing waits only for drops that are early; late ones are not delayed further."""
    assert wait_before(10.5, now=10.0) == 0.5
    assert wait_before(10.0, now=12.0) == 0.0


def test_throughput_counts_outcomes_over_first_drop_to_last_outcome() -> None:
    """100 outcomes over 5 s from the first drop to the last outcome are 20 files/s."""
    timing = Timing(latencies=[0.2] * 100, first_drop=10.0, last_outcome=15.0, outcomes_seen=100)
    assert timing.throughput == 20.0
    assert Timing(latencies=[], first_drop=None, last_outcome=None, outcomes_seen=0).span is None


# --- the books --------------------------------------------------------------------------------


def test_books_balance_when_every_file_ends_as_planned() -> None:
    """dropped = outputs + reports + 0 failure messages, nothing lost, all correct."""
    planned = plan_files(40, run_prefix="run", rejected_cases=REJECTED)
    books = books_of(planned)
    assert (books.dropped, books.outputs, books.reports, books.failure_messages) == (40, 30, 10, 0)
    assert (books.balanced, books.lost, books.correct, books.passed) == (True, 0, True, True)
    assert problems(books, drop_errors=[]) == []


def test_missing_outcome_is_lost_unless_a_failure_message_stands_for_it() -> None:
    """A file without outcome unbalances the books; a failure-queue message balances them."""
    planned = plan_files(8, run_prefix="run", rejected_cases=REJECTED)
    valid = next(file for file in planned if not file.rejected)
    outputs = {f.key: f.expected_output for f in planned if f.expected_output is not None}
    del outputs[valid.key]
    reports = {f"_rejected/{f.key}.json": report_bytes(f) for f in planned if f.rejected}

    def books(failure_messages: int) -> Accounting:
        return account(
            {f.key: f for f in planned},
            dropped=[f.key for f in planned],
            outputs=outputs,
            reports=reports,
            failure_messages=failure_messages,
        )

    silent = books(0)
    assert (silent.missing, silent.lost, silent.balanced) == ([valid.key], 1, False)
    assert "no outcome (1): " + valid.key in problems(silent, drop_errors=[])
    queued = books(1)
    assert (queued.lost, queued.balanced, queued.passed) == (0, True, True)


def test_output_with_one_wrong_byte_is_wrong() -> None:
    """Outputs are compared byte for byte."""
    planned = plan_files(8, run_prefix="run", rejected_cases=REJECTED)
    valid = next(file for file in planned if not file.rejected)
    assert valid.expected_output is not None
    outputs = {f.key: f.expected_output for f in planned if f.expected_output is not None}
    outputs[valid.key] = valid.expected_output[:-1] + b"\r\n"
    books = account(
        {f.key: f for f in planned},
        dropped=[f.key for f in planned],
        outputs=outputs,
        reports={f"_rejected/{f.key}.json": report_bytes(f) for f in planned if f.rejected},
        failure_messages=0,
    )
    assert (books.balanced, books.wrong_outputs, books.passed) == (True, [valid.key], False)


def test_report_with_another_error_code_or_for_a_valid_file_is_wrong() -> None:
    """A rejection counts only for a file meant to be rejected, with its expected error."""
    planned = plan_files(8, run_prefix="run", rejected_cases=REJECTED)
    rejected = next(file for file in planned if file.rejected)
    valid = next(file for file in planned if not file.rejected)
    outputs = {f.key: f.expected_output for f in planned if f.expected_output is not None}
    del outputs[valid.key]
    reports = {f"_rejected/{f.key}.json": report_bytes(f) for f in planned if f.rejected}
    reports[f"_rejected/{rejected.key}.json"] = report_bytes(rejected, code="SOMETHING_ELSE")
    reports[f"_rejected/{valid.key}.json"] = report_bytes(valid, code="INVALID_NUMBER")
    books = account(
        {f.key: f for f in planned},
        dropped=[f.key for f in planned],
        outputs=outputs,
        reports=reports,
        failure_messages=0,
    )
    assert books.balanced
    assert books.wrong_reports == sorted([rejected.key, valid.key])
    assert not books.passed


def test_output_for_a_rejected_file_duplicate_and_stray_keys_are_caught() -> None:
    """An output where a report belongs, both for one file, and keys nobody dropped all fail."""
    planned = plan_files(8, run_prefix="run", rejected_cases=REJECTED)
    rejected = next(file for file in planned if file.rejected)
    books = account(
        {f.key: f for f in planned},
        dropped=[f.key for f in planned],
        outputs={f.key: f.expected_output or b"x" for f in planned} | {"run/stray.txt": b"x"},
        reports={f"_rejected/{f.key}.json": report_bytes(f) for f in planned if f.rejected},
        failure_messages=0,
    )
    assert books.outputs_for_rejected == [f.key for f in planned if f.rejected]
    assert rejected.key in books.both
    assert books.unexpected == ["run/stray.txt"]
    assert not books.balanced


def test_accounting_line_states_the_equation_and_the_figures() -> None:
    """The one line `make soak` prints."""
    planned = plan_files(20, run_prefix="run", rejected_cases=REJECTED)
    timing = Timing(
        latencies=[0.1 * n for n in range(1, 21)],
        first_drop=0.0,
        last_outcome=2.0,
        outcomes_seen=20,
    )
    assert accounting_line(books_of(planned), timing) == (
        "soak: dropped 20 = outputs 15 + rejection reports 5 + failure-queue messages 0; "
        "lost 0; 10.0 files/s; latency p50 1.00 s p95 1.90 s max 2.00 s"
    )


def test_report_key_maps_back_to_its_source_key() -> None:
    """`_rejected/<key>.json` is the report of `<key>`; other keys are no report."""
    assert source_key_of_report("_rejected/run/000/00001.txt.json") == "run/000/00001.txt"
    assert source_key_of_report("run/000/00001.txt") is None


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:4566", True),
        ("http://localhost:1234", True),
        ("http://127.0.0.1.example.com:4566", False),
        ("https://s3.us-east-1.amazonaws.com", False),
        (None, False),
    ],
)
def test_only_loopback_endpoints_are_soaked(url: str | None, loopback: bool) -> None:
    """The soak sends traffic only to this machine; None (real AWS) is refused."""
    assert is_loopback(url) is loopback


def soak_args(scenario: str) -> argparse.Namespace:
    return argparse.Namespace(
        scenario=scenario, files=12, rate=2.0, threads=2, deadline=60.0, reserved_concurrency=-1
    )


def test_a_soak_recorded_under_another_scenario_is_told_apart_from_make_soaks() -> None:
    """docs/reliability.md has a row per scenario: the small soak of `make test` must not read
    as the published one."""
    published = soak_scenario(soak_args("soak"), REJECTED)
    small = soak_scenario(soak_args("soak-small"), REJECTED)
    assert published.title.startswith("Soak: ")
    assert published.command == "make soak"
    assert small.title.startswith("Soak (soak-small): ")
    assert small.command == (
        "python -m harness.soak --scenario soak-small --files 12 --rate 2 --threads 2 --deadline 60"
    )
