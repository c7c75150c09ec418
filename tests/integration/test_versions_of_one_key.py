"""Versions of one key dropped one after another on the target: valid, rejected, valid again.

The deployed function keeps the output of the valid version beside the rejected version's
report and marks the output while the report stands (a CopyObject of the output onto itself:
the bytes and the sequencer unchanged); the next valid version replaces the output and removes
the report.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from harness.pipeline import Pipeline
from pipesum.storage import REPORT_MARK_METADATA, SEQUENCER_METADATA, rejection_key

FIRST = b"a|b\n1|2\n"
REJECTED = b"a|b\n1|x\n"
SECOND = b"sbx|dev|tst|prd|srd\n7101|3501|0862|4284|7437\n"
WAIT_SECONDS = 60.0
POLL_SECONDS = 0.2


@dataclass(frozen=True)
class Destination:
    """What the destination holds for one key."""

    output: bytes | None
    metadata: dict[str, str]
    report: bool


def destination(pipeline: Pipeline, key: str) -> Destination:
    bucket, s3 = pipeline.outputs.destination_bucket, pipeline.s3
    outcome = pipeline.outcome(key)
    output = outcome.body if outcome is not None and outcome.kind == "output" else None
    metadata = s3.head_object(Bucket=bucket, Key=key)["Metadata"] if output is not None else {}
    listed = s3.list_objects_v2(Bucket=bucket, Prefix=rejection_key(key))
    return Destination(output, metadata, listed.get("KeyCount", 0) > 0)


def wait_for(
    what: str, pipeline: Pipeline, key: str, reached: Callable[[Destination], bool]
) -> Destination:
    """Poll the destination until `reached`; fail after WAIT_SECONDS saying what was last seen."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        seen = destination(pipeline, key)
        if reached(seen):
            return seen
        if time.monotonic() >= deadline:
            raise AssertionError(f"{what}: not after {WAIT_SECONDS:.0f} s; last seen {seen}")
        time.sleep(POLL_SECONDS)


@pytest.mark.behaviour("sequencers-order-a-key-s-events", "conditional-deletes")
def test_a_report_beside_an_output_marks_it_and_the_next_valid_version_clears_both(
    pipeline: Pipeline, unique_key: str
) -> None:
    pipeline.drop(unique_key, FIRST)
    first = wait_for("the first output", pipeline, unique_key, lambda seen: seen.output is not None)
    assert (first.output, first.report) == (FIRST + b"3\n", False)
    assert REPORT_MARK_METADATA not in first.metadata

    pipeline.drop(unique_key, REJECTED)
    marked = wait_for(
        "a report beside the marked output",
        pipeline,
        unique_key,
        lambda seen: seen.report and REPORT_MARK_METADATA in seen.metadata,
    )
    assert marked.output == FIRST + b"3\n"
    assert marked.metadata[SEQUENCER_METADATA] == first.metadata[SEQUENCER_METADATA]

    pipeline.drop(unique_key, SECOND)
    cleared = wait_for(
        "the second output, no report",
        pipeline,
        unique_key,
        lambda seen: seen.output == SECOND + b"23185\n" and not seen.report,
    )
    assert REPORT_MARK_METADATA not in cleared.metadata
