"""The generated input files: their expected bytes, their variety, the plan of a run."""

from __future__ import annotations

import random

import pytest

from kit.corpus import DEFAULT_MAX_BYTES, CorpusCase
from kit.inputs import file_key, plan_files, rejected_cases, valid_file
from kit.reference_transform import reference_append_sum

REJECTED = rejected_cases()


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
