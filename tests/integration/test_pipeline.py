"""The pipeline end to end on the target: drop a file into the source bucket, read the output."""

from __future__ import annotations

import time
import uuid

import pytest

from harness.pipeline import Pipeline
from harness.stack import Stack
from kit.paths import REPO_ROOT

SAMPLE = REPO_ROOT / "triggerFile.txt"
EXPECTED_OUTPUT = b"sbx|dev|tst|prd|srd\n7101|3501|0862|4284|7437\n23185\n"
WAIT_SECONDS = 60.0


@pytest.mark.behaviour("s3-object-created-reaches-the-function", "functions-run-on-python-3-13")
def test_sample_file_gets_its_sum_appended_in_the_destination_bucket(
    pipeline: Pipeline, unique_key: str
) -> None:
    # GIVEN the deployed pipeline and the sample file of the brief
    assert SAMPLE.read_bytes() == b"sbx|dev|tst|prd|srd\n7101|3501|0862|4284|7437\n"
    # WHEN it is dropped into the source bucket
    dropped_at = time.time()
    pipeline.drop(unique_key, SAMPLE.read_bytes())
    # THEN the destination holds the original rows plus the sum, under the same key, byte for byte
    outcome = pipeline.wait_for_outcome(unique_key, timeout=WAIT_SECONDS, since=dropped_at)
    assert outcome.kind == "output"
    assert outcome.key == unique_key
    assert outcome.body == EXPECTED_OUTPUT


@pytest.mark.behaviour(
    "alarms-read-back-as-written", "alarm-tags-given-at-creation", "function-kms-key-read-back"
)
def test_plan_right_after_apply_reports_no_changes(stack: Stack) -> None:
    """Every attribute of every resource reads back as applied: nothing is excused."""
    assert [change.describe() for change in stack.drift()] == []


@pytest.mark.behaviour("s3-object-created-reaches-the-function")
@pytest.mark.parametrize(
    "name",
    ["with space.txt", "plus+sign.txt", "percent%2Bsign.txt", "ünïcødé-ключ.txt", "a/b/c/d/e.txt"],
)
def test_keys_arrive_and_are_written_exactly_as_uploaded(pipeline: Pipeline, name: str) -> None:
    """Pins the emulator's behaviour: the event's key is the uploaded key, not URL-encoded."""
    key = f"keys-{uuid.uuid4().hex[:8]}/{name}"
    dropped_at = time.time()
    pipeline.drop(key, SAMPLE.read_bytes())
    outcome = pipeline.wait_for_outcome(key, timeout=WAIT_SECONDS, since=dropped_at)
    assert (outcome.kind, outcome.key, outcome.body) == ("output", key, EXPECTED_OUTPUT)
