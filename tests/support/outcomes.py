"""Outcomes compared as (kind, bytes or error code): what the pipeline wrote, what it should."""

from __future__ import annotations

import time
from pathlib import Path

from harness.pipeline import Outcome
from kit.reference_transform import reference_append_sum
from pipesum.rejection import InputRejected

Summary = tuple[str, bytes | str]


def expected_outcome(body: bytes, *, max_bytes: int) -> Summary:
    """("output", the reference's bytes) or ("rejected", the reference's error code)."""
    try:
        return "output", reference_append_sum(body, max_bytes=max_bytes)
    except InputRejected as rejected:
        return "rejected", str(rejected.code)


def seen(outcome: Outcome) -> Summary:
    """("output", its bytes) or ("rejected", the report's error code)."""
    if outcome.kind == "rejected":
        return "rejected", str(outcome.report()["error_code"])
    return "output", outcome.body


def wait_for_file(path: Path, *, timeout: float) -> None:
    """Until the fault hook announces itself in `path` (PIPESUM_FAULT_ANNOUNCE)."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() >= deadline:
            raise AssertionError(f"the fault hook did not fire in {timeout:.0f} s ({path})")
        time.sleep(0.05)
