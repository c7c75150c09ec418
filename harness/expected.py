"""Whether what came back for a dropped file is what the input contract gives for it.

The contract's oracle is kit/reference_transform.py: for a file's bytes it gives the output (the
bytes plus the sum row) or the rejection (error code, line, field). `check()` compares an outcome
read from the destination bucket with it and says how they differ, for `make demo` and `make drop`
to fail on a wrong answer instead of printing it.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from harness.pipeline import Outcome
from kit.reference_transform import reference_append_sum
from pipesum.rejection import InputRejected

DIFF_LINES = 12
#: Rows longer than this are shown cut, in a difference.
SHOWN_CHARS = 200


@dataclass(frozen=True)
class Verdict:
    """`matches`, and what to tell the person who dropped the file."""

    matches: bool
    lines: tuple[str, ...]


def _shown(line: str) -> str:
    return line if len(line) <= SHOWN_CHARS else line[:SHOWN_CHARS] + f"... ({len(line)} chars)"


def _difference(expected: bytes, got: bytes) -> tuple[str, ...]:
    if expected == got:
        return ()
    diff = difflib.unified_diff(
        [_shown(line) for line in expected.decode("utf-8", "replace").splitlines()],
        [_shown(line) for line in got.decode("utf-8", "replace").splitlines()],
        "expected (the reference transform)",
        "got (the destination bucket)",
        lineterm="",
        n=1,
    )
    lines = list(diff)
    if not lines:  # the same lines, other line endings or a final newline
        return (f"  expected {len(expected)} bytes, got {len(got)}: they differ in line endings",)
    shown = [f"  {line}" for line in lines[:DIFF_LINES]]
    if len(lines) > DIFF_LINES:
        shown.append(f"  ... and {len(lines) - DIFF_LINES} more lines of difference")
    return tuple(shown)


def _rejection(code: object, line: object, field: object) -> str:
    where = (
        "" if line is None else f" at line {line}" + ("" if field is None else f", field {field}")
    )
    return f"{code}{where}"


def check(body: bytes, outcome: Outcome, *, max_bytes: int) -> Verdict:
    """The outcome of dropping `body` against the contract's, for a function whose limit is
    `max_bytes`."""
    try:
        expected = reference_append_sum(body, max_bytes=max_bytes)
    except InputRejected as rejected:
        want = _rejection(rejected.code.value, rejected.line, rejected.field)
        if outcome.kind == "output":
            return Verdict(False, (f"  expected a rejection ({want}), got an output",))
        report = outcome.report()
        got = _rejection(report.get("error_code"), report.get("line"), report.get("field"))
        if got != want:
            return Verdict(False, (f"  expected the rejection {want}, got {got}",))
        return Verdict(True, (f"  the rejection the input contract gives: {want}",))
    if outcome.kind == "rejected":
        got = _rejection(*(outcome.report().get(name) for name in ("error_code", "line", "field")))
        return Verdict(False, (f"  expected an output, got the rejection {got}",))
    difference = _difference(expected, outcome.body)
    if difference:
        return Verdict(False, difference)
    return Verdict(True, ("  the output the input contract gives, byte for byte",))
