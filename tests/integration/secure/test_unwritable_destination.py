"""The destination becomes unwritable: nothing is written, nothing is lost, and redrive recovers.

A statement denying the function's role s3:PutObject is added to the destination's bucket
policy through the API (the emulator enforces it: AUTH=true). Files are dropped, and their events
are also sent as asynchronous invokes, the way EventBridge invokes the function on AWS (on
MiniStack EventBridge invokes it directly, bypassing Lambda's retries and on-failure
destination). After Lambda's retries each event waits in the on-failure queue with its error;
once the deployed policy is back, `make redrive` (harness.redrive) writes every output.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator

import pytest

from harness.pipeline import Pipeline
from harness.redrive import failed_event, redrive
from harness.reliability import record
from harness.stack import StackOutputs
from providers import Connection
from tests.integration.secure.support import ClientFactory, SecureResources
from tests.support.function_config import object_created_event

FILES = 5
WAIT_SECONDS = 90.0
DENY_SID = "TestOnlyDenyTheFunctionWrites"


@pytest.fixture
def unwritable_destination(
    admin_client: ClientFactory, secure_outputs: StackOutputs, secure_resources: SecureResources
) -> Iterator[str]:
    """The destination's deployed policy plus a deny of PutObject to the function's role."""
    s3 = admin_client("s3")
    bucket = secure_outputs.destination_bucket
    deployed = s3.get_bucket_policy(Bucket=bucket)["Policy"]
    policy = json.loads(deployed)
    policy["Statement"].append(
        {
            "Sid": DENY_SID,
            "Effect": "Deny",
            "Principal": {"AWS": secure_resources.function_role_arn},
            "Action": "s3:PutObject",
            "Resource": f"arn:aws:s3:::{bucket}/*",
        }
    )
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
    try:
        yield deployed
    finally:
        s3.put_bucket_policy(Bucket=bucket, Policy=deployed)


def failure_records(admin_client: ClientFactory, queue_url: str, expected: int) -> list[str]:
    """The errors of the on-failure queue's records once there are `expected`, left in place."""
    sqs = admin_client("sqs")
    deadline = time.monotonic() + WAIT_SECONDS
    depth = -1
    while time.monotonic() < deadline:
        attributes = sqs.get_queue_attributes(
            QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]
        depth = int(attributes["ApproximateNumberOfMessages"])
        if depth >= expected:
            break
        time.sleep(0.2)
    assert depth == expected, f"{depth} records in the on-failure queue after {WAIT_SECONDS} s"
    messages = sqs.receive_message(
        QueueUrl=queue_url, MaxNumberOfMessages=10, VisibilityTimeout=0, WaitTimeSeconds=1
    ).get("Messages", [])
    return [failed_event(message["Body"], {}).error for message in messages]


def test_an_unwritable_destination_loses_nothing_and_redrive_writes_every_output(
    admin_client: ClientFactory,
    secure_connection: Connection,
    secure_outputs: StackOutputs,
    secure_resources: SecureResources,
    secure_pipeline: Pipeline,
    unwritable_destination: str,
) -> None:
    prefix = f"unwritable-{uuid.uuid4().hex[:8]}"
    files = {f"{prefix}/{n}.txt": f"a|b|c\n{n}|{n}|{n}\n".encode() for n in range(FILES)}
    functions = admin_client("lambda")

    # GIVEN a destination whose policy denies the function's writes
    # WHEN files are dropped and their events invoke the function asynchronously
    for key, body in files.items():
        secure_pipeline.drop(key, body)
        functions.invoke(
            FunctionName=secure_outputs.function_name,
            InvocationType="Event",
            Payload=json.dumps(
                object_created_event(secure_outputs.source_bucket, key, sequencer=None)
            ),
        )

    # THEN every event ends in the on-failure queue with the denial, and nothing is written
    errors = failure_records(admin_client, secure_resources.function_failure_queue_url, FILES)
    assert len(errors) == FILES
    assert all("AccessDenied" in error for error in errors), errors
    listing = admin_client("s3").list_objects_v2(
        Bucket=secure_outputs.destination_bucket, Prefix=prefix
    )
    assert listing.get("KeyCount") == 0
    assert (
        admin_client("s3")
        .list_multipart_uploads(Bucket=secure_outputs.destination_bucket, Prefix=prefix)
        .get("Uploads", [])
        == []
    )

    # WHEN the deployed policy is back and the failure queues are redriven
    admin_client("s3").put_bucket_policy(
        Bucket=secure_outputs.destination_bucket, Policy=unwritable_destination
    )
    report = redrive(secure_connection, secure_outputs, say=lambda _line: None)

    # THEN every output appears, byte for byte; the queue is empty; nothing was lost
    assert (sorted(report.redriven), report.still_failing, report.unknown) == (
        sorted(files),
        [],
        [],
    )
    for key, body in files.items():
        outcome = secure_pipeline.outcome(key)
        assert outcome is not None, key
        total = 3 * int(body.split(b"\n")[1].split(b"|")[0])
        assert (outcome.kind, outcome.body) == ("output", body + f"{total}\n".encode())
    sqs = admin_client("sqs")
    for queue in (secure_resources.function_failure_queue_url, secure_resources.event_dlq_url):
        attributes = sqs.get_queue_attributes(
            QueueUrl=queue,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        assert sum(int(value) for value in attributes.values()) == 0, queue
    record(
        "unwritable-destination",
        scenario="Destination unwritable (bucket policy denies the function's role)",
        done=(
            f"on the emulator enforcing IAM over TLS, denied s3:PutObject to the function's role "
            f"in the destination's policy, dropped {FILES} files (events also sent as "
            "asynchronous invokes, as EventBridge does on AWS), restored the policy, ran redrive"
        ),
        observed=(
            "every invocation failed with AccessDenied; after Lambda's retries each event was "
            "in the on-failure queue with its error; no output, partial or empty, and no open "
            "upload; redrive wrote every output byte for byte and emptied the queue"
        ),
        figures={
            "events in the failure queue": f"{len(errors)} of {FILES}",
            "outputs after redrive": f"{len(report.redriven)} of {FILES}",
        },
        lost=FILES - len(report.redriven),
    )
    for key in files:
        secure_pipeline.remove(key)
