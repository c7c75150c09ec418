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
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from harness.pipeline import Pipeline
from harness.reliability import Scenario
from harness.stack import StackOutputs
from kit.books import queue_messages
from kit.reference_transform import reference_append_sum
from providers import Connection, Target
from tests.support.books import take_books
from tests.support.function_config import FunctionConfig, invoke, object_created_event
from tests.support.outcomes import seen
from tests.support.reliability_plugin import Evidence

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

MIB = 1 << 20
WAIT_SECONDS = 90.0
#: 5 MiB and more is written by a multipart upload that copies the source (one part here).
LARGE = b"a|b\n1|2\n" + b"z" * (5 * MIB)
SMALL = b"a|b\n7|8\n"
MAX_INPUT_BYTES = str(8 * MIB)
#: A timeout short enough to wait for, long enough for the first ranged reads and the part copy
#: on a loaded machine; the fault's announcement says whether the copy was reached in time.
SHORT_TIMEOUT_SECONDS = 10
#: How Lambda answers an invocation whose runtime was killed (Runtime.ExitError).
KILLED = "Error: Runtime exited with error: signal: killed"


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
    CutShort("killed mid multipart copy", "kill@part-copied", LARGE, None, KILLED, 1),
    CutShort(
        "timed out mid multipart copy",
        "hang@part-copied",
        LARGE,
        SHORT_TIMEOUT_SECONDS,
        "Task timed out",
        1,
    ),
    CutShort("killed before its PutObject", "kill@put", SMALL, None, KILLED, 0),
]


def shown_by(case: CutShort) -> str:
    """The behaviour of Lambda the case relies on: a timeout, or a crash, ends the invocation."""
    return "a-timeout-ends-the-invocation" if case.timeout else "a-crash-is-a-runtime-exit-error"


def scenario(case: CutShort) -> Scenario:
    left = (
        f"{case.uploads_left} multipart upload left open"
        if case.uploads_left
        else "no multipart upload opened"
    )
    return Scenario(
        f"fault-{case.fault.replace('@', '-at-')}",
        title=f"Function {case.name}",
        done=(
            f"replayed a processed file's event ({len(case.body):,} B) with "
            f"PIPESUM_FAULT={case.fault}"
            + (f" and a {case.timeout} s timeout" if case.timeout else "")
            + ", then retried it without"
        ),
        asserts=(
            f"the faulted invocation failed ({case.error}); no output, partial or empty; {left}; "
            "the retry succeeded and wrote the reference bytes, with no upload left open"
        ),
    )


@pytest.mark.parametrize(
    "case",
    [
        pytest.param(
            case,
            id=case.name.replace(" ", "-"),
            marks=[pytest.mark.reliability(scenario(case)), pytest.mark.behaviour(shown_by(case))],
        )
        for case in CUT_SHORT
    ],
)
def test_a_write_cut_short_leaves_nothing_and_the_retry_writes_the_right_bytes(
    pipeline: Pipeline,
    lambda_client: LambdaClient,
    function_config: FunctionConfig,
    case: CutShort,
    connection: Connection,
    reliability: Evidence,
    target: Target,
    tmp_path: Path,
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
    announce = tmp_path / "fired"  # written by the fault as it fires, where the function runs
    faulted = {"MAX_INPUT_BYTES": MAX_INPUT_BYTES, "PIPESUM_FAULT": fault}
    if target.runs_functions_on_this_machine:
        faulted["PIPESUM_FAULT_ANNOUNCE"] = str(announce)
    function_config.set(environment=faulted, timeout=timeout)
    fault_error, fault_payload = invoke(lambda_client, pipeline.outputs.function_name, event)
    if target.runs_functions_on_this_machine:
        assert announce.is_file(), (
            f"the function ended ({fault_payload}) before it reached {fault}: on this machine, "
            f"its {timeout} s timeout came first"
            if timeout
            else f"it ended ({fault_payload})"
        )
    written_under_fault = output_exists(pipeline, key)
    left_open = len(open_uploads(pipeline, key))
    reliability.figure("uploads open after the fault", left_open)

    # AND the event is retried without the fault
    function_config.set(environment={"MAX_INPUT_BYTES": MAX_INPUT_BYTES})
    error, payload = invoke(lambda_client, pipeline.outputs.function_name, event)
    open_after_retry = open_uploads(pipeline, key)
    reliability.figure("uploads open after the retry", len(open_after_retry))
    reliability.account(
        take_books(
            pipeline,
            {key: ("output", expected)},
            summarize=seen,
            failure_messages=queue_messages(
                connection.session().client("sqs", endpoint_url=connection.endpoint_url),
                (pipeline.outputs.event_dlq_url, pipeline.outputs.function_failure_queue_url),
            ),
            count_writes=False,  # the first pass wrote it once already, by design
        )
    )

    # THEN the faulted invocation failed, leaving no output (partial or empty), maybe an upload
    assert fault_error, fault_payload
    assert case.error in fault_payload
    assert not written_under_fault
    assert left_open == case.uploads_left

    # AND the retry wrote the right bytes and no multipart upload is left open
    assert error == "", payload
    assert '"written"' in payload
    outcome = pipeline.outcome(key)
    assert outcome is not None
    assert (outcome.kind, outcome.body) == ("output", expected)
    assert open_after_retry == []
    pipeline.remove(key)
