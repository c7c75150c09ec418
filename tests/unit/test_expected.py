"""make demo and make drop judge what came back against the input contract's oracle."""

from __future__ import annotations

import json

from harness.expected import check
from harness.pipeline import Outcome
from kit.paths import REPO_ROOT

SAMPLE = (REPO_ROOT / "triggerFile.txt").read_bytes()
LIMIT = 1024


def output(body: bytes) -> Outcome:
    return Outcome("output", "k", body)


def report(code: str, line: int | None = None, field: int | None = None) -> Outcome:
    fields = {"error_code": code, "line": line, "field": field, "message": "m"}
    return Outcome("rejected", "_rejected/k.json", json.dumps(fields).encode())


def test_the_sample_with_its_sum_matches() -> None:
    verdict = check(SAMPLE, output(SAMPLE + b"23185\n"), max_bytes=LIMIT)
    assert verdict.matches
    assert verdict.lines == ("  the output the input contract gives, byte for byte",)


def test_a_sum_off_by_one_is_shown_as_a_difference_of_the_sum_row() -> None:
    verdict = check(SAMPLE, output(SAMPLE + b"23186\n"), max_bytes=LIMIT)
    assert not verdict.matches
    assert "  -23185" in verdict.lines
    assert "  +23186" in verdict.lines
    assert verdict.lines[0] == "  --- expected (the reference transform)"


def test_another_line_ending_is_named() -> None:
    verdict = check(b"a|b\n1|2\n", output(b"a|b\r\n1|2\r\n3\r\n"), max_bytes=LIMIT)
    assert verdict == verdict.__class__(
        False, ("  expected 10 bytes, got 13: they differ in line endings",)
    )


def test_a_rejection_matches_by_code_line_and_field() -> None:
    bad = b"a|b\n1|x\n"
    assert check(bad, report("INVALID_NUMBER", 2, 2), max_bytes=LIMIT).matches
    wrong_field = check(bad, report("INVALID_NUMBER", 2, 1), max_bytes=LIMIT)
    assert wrong_field.lines == (
        (
            "  expected the rejection INVALID_NUMBER at line 2, field 2, got INVALID_NUMBER at "
            "line 2, field 1"
        ),
    )


def test_an_output_for_a_file_the_contract_rejects_is_wrong_and_the_reverse() -> None:
    # the limit the function was given decides
    assert check(SAMPLE, report("TOO_LARGE"), max_bytes=10).matches
    too_big = check(SAMPLE, output(SAMPLE + b"23185\n"), max_bytes=10)
    assert too_big.lines == ("  expected a rejection (TOO_LARGE), got an output",)
    reverse = check(SAMPLE, report("EMPTY_FILE"), max_bytes=LIMIT)
    assert reverse.lines == ("  expected an output, got the rejection EMPTY_FILE",)


def test_a_long_row_is_cut_in_the_difference() -> None:
    header = b"|".join(b"c%d" % index for index in range(200))
    row = b"|".join(b"1" for _ in range(200))
    verdict = check(header + b"\n" + row + b"\n", output(b"x\n"), max_bytes=1 << 20)
    assert any(line.endswith("chars)") for line in verdict.lines)
