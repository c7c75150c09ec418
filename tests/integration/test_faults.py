"""The function killed or timed out mid-write: no partial output; a retry writes the right bytes.

The fault hook (pipesum.faults, PIPESUM_FAULT) is set on the deployed function through the
Lambda API for one test and removed afterwards; Terraform refuses to deploy it. Each test first
lets the pipeline make the output normally, deletes it, then replays the same event by a
synchronous invoke, as Lambda's asynchronous retry would: once with the fault, once without.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest

from harness.pipeline import Pipeline
from harness.reliability import record
from harness.stack import StackOutputs
from tests.support.function_config import FunctionConfig, invoke, object_created_event
from tests.support.reference_transform import reference_append_sum

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

MIB = 1 << 20
WAIT_SECONDS = 90.0
#: 5 MiB and more is written by a multipart upload that copies the source (one part here).
LARGE = b"a|b\n1|2\n" + b"z" * (5 * MIB)
SMALL = b"a|b\n7|8\n"
MAX_INPUT_BYTES = str(8 * MIB)
#: A timeout short enough to wait for, long enough for the first ranged reads and the part copy.
SHORT_TIMEOUT_SECONDS = 6


@pytest.fixture
def function_config(lambda_client: LambdaClient, outputs: StackOutputs) -> Iterator[FunctionConfig]:
    config = FunctionConfig(lambda_client, outputs.function_name)
    try:
        yield config
    finally:
        config.restore()


def open_uploads(pipeline: Pipeline, key: str) -> list[str]:
    listing = pipeline.s3.list_multipart_uploads(
        Bucket=pipeline.outputs.destination_bucket, Prefix=key
    )
    return [upload["UploadId"] for upload in listing.get("Uploads", []) if upload["Key"] == key]


def output_exists(pipeline: Pipeline, key: str) -> bool:
    listing = pipeline.s3.list_objects_v2(Bucket=pipeline.outputs.destination_bucket, Prefix=key)
    return any(item["Key"] == key for item in listing.get("Contents", []))


@dataclass(frozen=True)
class CutShort:
    name: str
    fault: str
    body: bytes
    timeout: int | None
    error: str
    uploads_left: int


CUT_SHORT = [
    CutShort(
        "killed mid multipart copy", "kill@part-copied", LARGE, None, "Worker process died", 1
    ),
    CutShort(
        "timed out mid multipart copy",
        "hang@part-copied",
        LARGE,
        SHORT_TIMEOUT_SECONDS,
        "Task timed out",
        1,
    ),
    CutShort("killed before its PutObject", "kill@put", SMALL, None, "Worker process died", 0),
]


@pytest.mark.parametrize("case", CUT_SHORT, ids=[case.name.replace(" ", "-") for case in CUT_SHORT])
def test_a_write_cut_short_leaves_nothing_and_the_retry_writes_the_right_bytes(
    pipeline: Pipeline,
    lambda_client: LambdaClient,
    function_config: FunctionConfig,
    case: CutShort,
) -> None:
    fault, body, timeout = case.fault, case.body, case.timeout
    key = f"fault-{uuid.uuid4().hex[:8]}/triggerFile.txt"
    expected = reference_append_sum(body, max_bytes=int(MAX_INPUT_BYTES))
    function_config.set(environment={"MAX_INPUT_BYTES": MAX_INPUT_BYTES})
    # GIVEN a file the pipeline has processed once, whose output is then deleted
    dropped_at = time.time()
    pipeline.drop(key, body)
    first = pipeline.wait_for_outcome(key, timeout=WAIT_SECONDS, since=dropped_at)
    assert (first.kind, first.body) == ("output", expected)
    head = pipeline.s3.head_object(Bucket=pipeline.outputs.destination_bucket, Key=key)
    event = object_created_event(
        pipeline.outputs.source_bucket, key, sequencer=head["Metadata"]["source-sequencer"]
    )
    pipeline.forget(key)

    # WHEN its event is delivered again and the function is killed or times out mid-write
    function_config.set(
        environment={"MAX_INPUT_BYTES": MAX_INPUT_BYTES, "PIPESUM_FAULT": fault}, timeout=timeout
    )
    error, payload = invoke(lambda_client, pipeline.outputs.function_name, event)

    # THEN the invocation failed, no output (partial or empty) exists, an upload may be open
    assert error, payload
    assert case.error in payload
    assert not output_exists(pipeline, key)
    assert len(open_uploads(pipeline, key)) == case.uploads_left

    # WHEN the event is retried without the fault
    function_config.set(environment={"MAX_INPUT_BYTES": MAX_INPUT_BYTES})
    error, payload = invoke(lambda_client, pipeline.outputs.function_name, event)

    # THEN the output is the right bytes and no multipart upload is left open
    assert error == "", payload
    assert '"written"' in payload
    outcome = pipeline.outcome(key)
    assert outcome is not None
    assert (outcome.kind, outcome.body) == ("output", expected)
    assert open_uploads(pipeline, key) == []
    record(
        f"fault-{fault.replace('@', '-at-')}",
        scenario=f"Function {case.name}",
        done=(
            f"replayed a processed file's event ({len(body):,} B) with PIPESUM_FAULT={fault}"
            + (f" and a {timeout} s timeout" if timeout else "")
            + ", then retried it without"
        ),
        observed=(
            f"invocation failed ({case.error}); no output; "
            + (
                f"{case.uploads_left} upload left open, aborted by the retry; "
                if case.uploads_left
                else "no upload had been opened; "
            )
            + "retry wrote the reference bytes"
        ),
        figures={"outputs correct after retry": "1 of 1", "uploads open after retry": "0"},
    )
    pipeline.remove(key)
