"""The input contract's property tests, end to end: generated files through the deployed pipeline.

The strategies are the unit property tests' own (tests/unit/test_transform_properties.py); here
each generated file is dropped into the source bucket and its outcome read from the destination.
Valid files must get exactly the independently computed sum; near-valid and arbitrary bytes the
outcome of the whole-bytes reference (output bytes, or a report with its error code).
"""

from __future__ import annotations

import time
import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.pipeline import Outcome, Pipeline
from kit.corpus import DEFAULT_MAX_BYTES
from tests.support.outcomes import expected_outcome, seen
from tests.unit.test_transform_properties import TOKENS, ValidFile, reference_sum, valid_files

WAIT_SECONDS = 60.0
END_TO_END = settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def through_the_pipeline(pipeline: Pipeline, body: bytes) -> Outcome:
    key = f"property-{uuid.uuid4().hex}/triggerFile.txt"
    dropped_at = time.time()
    pipeline.drop(key, body)
    try:
        return pipeline.wait_for_outcome(key, timeout=WAIT_SECONDS, since=dropped_at)
    finally:
        pipeline.remove(key)


@END_TO_END
@given(file=valid_files())
def test_generated_valid_files_get_the_reference_sum_end_to_end(
    pipeline: Pipeline, file: ValidFile
) -> None:
    original = file.original
    separator = b"" if original.endswith(b"\n") else file.ending
    expected = original + separator + reference_sum(file.numbers).encode() + file.ending
    assert seen(through_the_pipeline(pipeline, original)) == ("output", expected)


@END_TO_END
@given(body=st.one_of(st.lists(TOKENS, max_size=40).map(b"".join), st.binary(max_size=200)))
def test_generated_bytes_end_as_the_reference_says_end_to_end(
    pipeline: Pipeline, body: bytes
) -> None:
    assert seen(through_the_pipeline(pipeline, body)) == expected_outcome(
        body, max_bytes=DEFAULT_MAX_BYTES
    )
