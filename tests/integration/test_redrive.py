"""Failed invocations land in the on-failure queue; after the cause is gone, redrive replays them.

The function is made to fail by the fault hook (killed before its PutObject). Each file is
dropped into the source bucket; its event goes S3 -> EventBridge -> Lambda, asynchronously, so the
function's configured retries and on-failure destination take over, as on AWS.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from harness.pipeline import Pipeline
from harness.redrive import redrive
from harness.reliability import Scenario
from harness.stack import StackOutputs
from kit.books import queue_messages
from providers import Connection
from tests.support.books import take_books
from tests.support.function_config import FunctionConfig
from tests.support.outcomes import seen
from tests.support.reliability_plugin import Evidence

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_sqs import SQSClient

FILES = 5
WAIT_SECONDS = 90.0


@pytest.fixture
def failing_function(
    lambda_client: LambdaClient, outputs: StackOutputs
) -> Iterator[FunctionConfig]:
    config = FunctionConfig(lambda_client, outputs.function_name)
    config.set(environment={"PIPESUM_FAULT": "kill@put"})
    try:
        yield config
    finally:
        config.restore()


def queue_depth(sqs: SQSClient, queue_url: str) -> int:
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue_url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return sum(int(value) for value in attributes.values())


def wait_for_depth(sqs: SQSClient, queue_url: str, expected: int) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    depth = queue_depth(sqs, queue_url)
    while depth != expected:
        if time.monotonic() >= deadline:
            raise AssertionError(f"{queue_url} holds {depth} messages after {WAIT_SECONDS:.0f} s")
        time.sleep(0.2)
        depth = queue_depth(sqs, queue_url)


REDRIVE = Scenario(
    "redrive-after-failures",
    title="Every invocation fails, then the cause is fixed and the queue redriven",
    done=(
        f"{FILES} files dropped into the source bucket while every invocation failed (fault "
        "hook: killed before PutObject); then the fault removed and `make redrive` run"
    ),
    asserts=(
        "each event reached the on-failure queue while no output existed; redrive replayed "
        "every event, none still failing or unknown; every output byte for byte; both failure "
        "queues empty afterwards"
    ),
)


@pytest.mark.behaviour(
    "rule-targets-are-invoked-asynchronously", "events-after-an-update-run-at-once"
)
@pytest.mark.reliability(REDRIVE)
def test_failed_events_wait_in_the_failure_queue_and_redrive_writes_every_output(
    pipeline: Pipeline,
    connection: Connection,
    outputs: StackOutputs,
    failing_function: FunctionConfig,
    reliability: Evidence,
) -> None:
    sqs: SQSClient = connection.session().client("sqs", endpoint_url=connection.endpoint_url)
    queue = outputs.function_failure_queue_url
    assert queue_depth(sqs, queue) == 0
    prefix = f"redrive-{uuid.uuid4().hex[:8]}"
    files = {f"{prefix}/{n}.txt": f"a|b\n{n}|{n * 10}\n".encode() for n in range(FILES)}

    # GIVEN a function that fails every invocation, and files dropped into the source bucket
    for key, body in files.items():
        pipeline.drop(key, body)

    # THEN after Lambda's retries each event waits in the on-failure queue, and no output exists
    wait_for_depth(sqs, queue, FILES)
    reliability.figure("events in the on-failure queue", queue_depth(sqs, queue))
    assert [key for key in files if pipeline.outcome(key) is not None] == []

    # WHEN the cause is removed and the queue is redriven
    failing_function.restore()
    report = redrive(connection, outputs, say=lambda _line: None)
    reliability.figure("redriven", f"{len(report.redriven)} of {FILES}")
    reliability.account(
        take_books(
            pipeline,
            {key: ("output", expected_output(body)) for key, body in files.items()},
            summarize=seen,
            failure_messages=queue_messages(sqs, (queue, outputs.event_dlq_url)),
        )
    )

    # THEN every output appears, byte for byte, and the queues are empty: nothing was lost
    assert sorted(report.redriven) == sorted(files)
    assert (report.still_failing, report.unknown) == ([], [])
    for key, body in files.items():
        outcome = pipeline.outcome(key)
        assert outcome is not None, key
        assert (outcome.kind, outcome.body) == ("output", expected_output(body))
    assert queue_depth(sqs, queue) == 0
    assert queue_depth(sqs, outputs.event_dlq_url) == 0
    for key in files:
        pipeline.remove(key)


def expected_output(body: bytes) -> bytes:
    total = sum(int(field) for field in body.split(b"\n")[1].split(b"|"))
    return body + f"{total}\n".encode()
