"""Failed invocations land in the on-failure queue; after the cause is gone, redrive replays them.

The function is made to fail by the fault hook (killed before its PutObject). Each file is
dropped into the source bucket; its event goes S3 -> EventBridge -> Lambda, asynchronously, so the
function's configured retries and on-failure destination take over, as on AWS.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from harness.pipeline import Pipeline
from harness.redrive import UnknownMessage, failed_event, redrive
from harness.reliability import Scenario
from harness.stack import StackOutputs
from kit.books import queue_messages
from providers import Connection
from tests.support.books import take_books
from tests.support.function_config import FunctionConfig
from tests.support.outcomes import seen
from tests.support.polling import poll
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


def failed_keys(sqs: SQSClient, queue_url: str, prefix: str) -> list[str]:
    """The object keys under `prefix` of the failure records in the queue, one per message (a
    duplicate delivery counts twice). The queue is shared with the other tests: only this test's
    keys are counted. Each message is made visible again at once, for redrive to find."""
    keys: list[str] = []
    taken: list[str] = []
    while True:
        batch = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=10,
            VisibilityTimeout=30,
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not batch:
            break
        for message in batch:
            taken.append(message["ReceiptHandle"])
            try:
                failed = failed_event(message["Body"], message.get("MessageAttributes", {}))
            except UnknownMessage:
                continue  # not a failure record: another test's, not this one's
            if failed.object_key.startswith(prefix):
                keys.append(failed.object_key)
    for handle in taken:
        sqs.change_message_visibility(QueueUrl=queue_url, ReceiptHandle=handle, VisibilityTimeout=0)
    return sorted(keys)


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
    prefix = f"redrive-{uuid.uuid4().hex[:8]}/"
    files = {f"{prefix}{n}.txt": f"a|b\n{n}|{n * 10}\n".encode() for n in range(FILES)}

    # GIVEN a function that fails every invocation, and files dropped into the source bucket
    for key, body in files.items():
        pipeline.drop(key, body)

    # THEN after Lambda's retries each event waits in the on-failure queue, and no output exists
    waiting = poll(
        f"a failure record of each of the {FILES} files in the on-failure queue",
        lambda: failed_keys(sqs, queue, prefix),
        lambda keys: set(keys) == set(files),
        seconds=WAIT_SECONDS,
    )
    reliability.figure("events in the on-failure queue", len(waiting))
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

    # THEN every output appears, byte for byte, and no failure of these files is left: nothing
    # was lost (a duplicate delivery is redriven too, and changes nothing)
    assert {key for key in report.redriven if key.startswith(prefix)} == set(files)
    assert [line for line in report.still_failing if line.startswith(prefix)] == []
    assert report.unknown == []
    for key, body in files.items():
        outcome = pipeline.outcome(key)
        assert outcome is not None, key
        assert (outcome.kind, outcome.body) == ("output", expected_output(body))
    assert failed_keys(sqs, queue, prefix) == []
    assert failed_keys(sqs, outputs.event_dlq_url, prefix) == []
    for key in files:
        pipeline.remove(key)


def expected_output(body: bytes) -> bytes:
    total = sum(int(field) for field in body.split(b"\n")[1].split(b"|"))
    return body + f"{total}\n".encode()
