"""The soak's pure parts: content, pacing, percentiles, and the books it balances (no network)."""

from __future__ import annotations

import json
import random

import pytest

from harness.soak import (
    Accounting,
    Timing,
    account,
    accounting_line,
    due_time,
    is_loopback,
    percentile,
    problems,
    source_key_of_report,
    wait_before,
)
from kit.corpus import DEFAULT_MAX_BYTES, CorpusCase
from kit.inputs import PlannedFile, file_key, plan_files, rejected_cases, valid_file
from kit.reference_transform import reference_append_sum

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


# --- content ----------------------------------------------------------------------------------


def test_valid_files_expected_bytes_agree_with_the_reference_transform() -> None:
    """The soak's plain Decimal sum writes exactly what the contract's oracle writes."""
    rng = random.Random(1)  # noqa: S311  (test data, not secrets)
    for index in range(2000):
        body, expected = valid_file(index, rng)
        assert reference_append_sum(body, max_bytes=DEFAULT_MAX_BYTES) == expected


def test_valid_files_differ_from_file_to_file() -> None:
    """Every file's content is its own, so outputs mixed up between keys would show."""
    rng = random.Random(2)  # noqa: S311  (test data, not secrets)
    bodies = [valid_file(index, rng)[0] for index in range(2000)]
    assert len(set(bodies)) == 2000


def test_plan_mixes_a_quarter_of_rejected_corpus_cases_into_valid_files() -> None:
    """2000 files: 500 rejected ones cycling through the corpus cases, 1500 valid ones."""
    planned = plan_files(2000, run_prefix="run", rejected_cases=REJECTED)
    rejected = [file for file in planned if file.rejected]
    assert (len(planned), len(rejected)) == (2000, 500)
    assert {file.case for file in rejected} == {case.name for case in REJECTED}
    assert len({file.key for file in planned}) == 2000
    by_name = {case.name: case for case in REJECTED}
    for file in rejected:
        case = by_name[file.case]
        assert (file.body, file.error_code, file.error_line, file.error_field) == (
            case.input_bytes,
            case.error_code,
            case.error_line,
            case.error_field,
        )
    # shuffled, not all at the end
    assert any(file.rejected for file in planned[:100])


def test_plan_is_the_same_for_the_same_seed() -> None:
    """A run can be repeated file for file."""
    first = plan_files(50, run_prefix="run", rejected_cases=REJECTED, seed=3)
    again = plan_files(50, run_prefix="run", rejected_cases=REJECTED, seed=3)
    assert first == again


def test_plan_refuses_an_accepted_case_as_a_rejected_one() -> None:
    """A case the pipeline accepts cannot stand for an invalid file."""
    accepted = CorpusCase("ok", b"a\n1\n", b"a\n1\n1\n", None, None, None)
    with pytest.raises(ValueError, match="must accept"):
        plan_files(10, run_prefix="run", rejected_cases=[accepted])


def test_only_rejected_cases_under_the_default_size_limit_are_used() -> None:
    """Cases needing another MAX_INPUT_BYTES would be accepted by the soak's stack."""
    assert REJECTED
    assert all(case.rejected and case.max_bytes == DEFAULT_MAX_BYTES for case in REJECTED)


def test_keys_fall_in_sub_prefixes_of_a_hundred() -> None:
    """The poll lists only the sub-prefixes still waiting, each of 100 keys."""
    assert file_key("soak", 0) == "soak/000/00000.txt"
    assert file_key("soak", 99) == "soak/000/00099.txt"
    assert file_key("soak", 1999) == "soak/019/01999.txt"


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


# --- statistics -------------------------------------------------------------------------------


def test_percentile_is_nearest_rank() -> None:
    """p50 of 1..20 is 10, p95 is 19, p100 is 20; order of the samples does not matter."""
    samples = [float(n) for n in range(20, 0, -1)]
    assert (percentile(samples, 0.5), percentile(samples, 0.95), percentile(samples, 1.0)) == (
        10.0,
        19.0,
        20.0,
    )
    assert percentile([3.0], 0.95) == 3.0


def test_percentile_of_nothing_is_an_error() -> None:
    """No samples have no percentile."""
    with pytest.raises(ValueError, match="no samples"):
        percentile([], 0.5)


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
