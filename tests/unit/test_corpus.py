"""Every corpus case gives exactly its expected output bytes, or its expected rejection."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kit.corpus import DEFAULT_MAX_BYTES, CorpusCase, CorpusError, load_corpus
from pipesum.rejection import ErrorCode, InputRejected
from pipesum.transform import append_sum

CORPUS = load_corpus()
ACCEPTED = [case for case in CORPUS if not case.rejected]
REJECTED = [case for case in CORPUS if case.rejected]


@pytest.mark.parametrize("case", ACCEPTED, ids=lambda case: case.name)
def test_accepted_case_gives_expected_bytes(case: CorpusCase) -> None:
    """append_sum turns the case's input into its expected file, byte for byte."""
    assert append_sum(case.input_bytes, max_bytes=case.max_bytes) == case.expected_output


@pytest.mark.parametrize("case", REJECTED, ids=lambda case: case.name)
def test_rejected_case_gives_expected_error(case: CorpusCase) -> None:
    """append_sum rejects the case's input with the expected code, line and field."""
    with pytest.raises(InputRejected) as caught:
        append_sum(case.input_bytes, max_bytes=case.max_bytes)
    rejected = caught.value
    assert (rejected.code, rejected.line, rejected.field) == (
        case.error_code,
        case.error_line,
        case.error_field,
    )


def test_corpus_is_large_enough() -> None:
    """The corpus holds at least 45 cases."""
    assert len(CORPUS) >= 45


def test_corpus_covers_every_error_code() -> None:
    """Every ErrorCode is exercised by at least one corpus case."""
    assert {case.error_code for case in REJECTED} == set(ErrorCode)


def test_corpus_sample_is_the_specified_example() -> None:
    """The 'sample' case is the example file of the brief and its known sum, 23185."""
    sample = next(case for case in CORPUS if case.name == "sample")
    assert sample.input_bytes == b"sbx|dev|tst|prd|srd\n7101|3501|0862|4284|7437\n"
    assert sample.expected_output == sample.input_bytes + b"23185\n"


def test_only_size_cases_override_the_default_limit() -> None:
    """Only TOO_LARGE cases set max_bytes; all others run with the 1 MiB default."""
    overridden = {case.name for case in CORPUS if case.max_bytes != DEFAULT_MAX_BYTES}
    assert overridden == {case.name for case in REJECTED if case.error_code == "TOO_LARGE"}


def test_inputs_are_unique() -> None:
    """No two corpus cases have the same input bytes (and max_bytes)."""
    keys = [(case.input_bytes, case.max_bytes) for case in CORPUS]
    assert len(keys) == len(set(keys))


def _write_case(root: Path, name: str, files: dict[str, bytes]) -> None:
    case = root / name
    case.mkdir()
    for file_name, content in files.items():
        (case / file_name).write_bytes(content)


def test_loader_reads_both_kinds_of_case(tmp_path: Path) -> None:
    """The loader reads accepted and rejected cases, sorted by name, with max_bytes defaults."""
    _write_case(tmp_path, "b-ok", {"input": b"a\n1\n", "expected": b"a\n1\n1\n"})
    rejection = {"error_code": "TOO_LARGE", "line": None, "field": None, "max_bytes": 2}
    _write_case(
        tmp_path, "a-bad", {"input": b"abc", "expected.json": json.dumps(rejection).encode()}
    )
    (tmp_path / ".gitattributes").write_text("* -text\n")
    assert load_corpus(tmp_path) == [
        CorpusCase("a-bad", b"abc", None, "TOO_LARGE", None, None, max_bytes=2),
        CorpusCase("b-ok", b"a\n1\n", b"a\n1\n1\n", None, None, None, DEFAULT_MAX_BYTES),
    ]


@pytest.mark.parametrize(
    "files",
    [
        pytest.param({"input": b"x"}, id="no-expectation"),
        pytest.param({"expected": b"x"}, id="no-input"),
        pytest.param({"input": b"x", "expected": b"x", "expected.json": b"{}"}, id="both"),
        pytest.param({"input": b"x", "expected": b"x", "notes.txt": b""}, id="stray-file"),
        pytest.param({"input": b"x", "expected.json": b"[]"}, id="not-an-object"),
        pytest.param({"input": b"x", "expected.json": b'{"error_code": "X"}'}, id="missing-keys"),
        pytest.param(
            {"input": b"x", "expected.json": b'{"error_code": "X", "line": 0, "field": null}'},
            id="line-zero",
        ),
        pytest.param(
            {
                "input": b"x",
                "expected.json": b'{"error_code": "X", "line": null, "field": null, "extra": 1}',
            },
            id="unknown-key",
        ),
        pytest.param(
            {
                "input": b"x",
                "expected.json": b'{"error_code": "X", "line": null, "field": true}',
            },
            id="boolean-field",
        ),
    ],
)
def test_loader_refuses_malformed_case(tmp_path: Path, files: dict[str, bytes]) -> None:
    """A malformed case directory is an error, never silently skipped."""
    _write_case(tmp_path, "case", files)
    with pytest.raises(CorpusError):
        load_corpus(tmp_path)


def test_loader_refuses_empty_corpus(tmp_path: Path) -> None:
    """A corpus directory with no cases is an error."""
    with pytest.raises(CorpusError):
        load_corpus(tmp_path)
