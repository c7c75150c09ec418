"""The destination becomes unwritable: nothing is written, nothing is lost, and redrive recovers.

A statement denying the function's role s3:PutObject is added to the destination's bucket
policy through the API (the emulator enforces it: AUTH=true). Files are dropped; EventBridge
invokes the function asynchronously for each. After Lambda's retries each event waits in the
on-failure queue with its error; once the deployed policy is back, `make redrive`
(harness.redrive) writes every output.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator

import pytest

from harness.pipeline import Pipeline
from harness.redrive import failed_event, redrive
from harness.reliability import Scenario
from harness.stack import StackOutputs
from kit.books import queue_messages
from providers import Connection
from tests.integration.secure.support import ClientFactory, SecureResources
from tests.support.books import take_books
from tests.support.outcomes import seen
from tests.support.reliability_plugin import Evidence

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


UNWRITABLE = Scenario(
    "unwritable-destination",
    title="Destination unwritable (bucket policy denies the function's role)",
    done=(
        "on the emulator enforcing IAM over TLS, denied s3:PutObject to the function's role "
        f"in the destination's policy, dropped {FILES} files, restored the policy, ran redrive"
    ),
    asserts=(
        "every event reached the on-failure queue with an AccessDenied error; no output and no "
        "open upload under the files' prefix; redrive replayed every event, none still failing "
        "or unknown; every output byte for byte; both failure queues empty afterwards"
    ),
    target="ministack (AUTH=true, TLS)",
)


@pytest.mark.reliability(UNWRITABLE)
def test_an_unwritable_destination_loses_nothing_and_redrive_writes_every_output(
    admin_client: ClientFactory,
    secure_connection: Connection,
    secure_outputs: StackOutputs,
    secure_resources: SecureResources,
    secure_pipeline: Pipeline,
    unwritable_destination: str,
    reliability: Evidence,
) -> None:
    prefix = f"unwritable-{uuid.uuid4().hex[:8]}"
    files = {f"{prefix}/{n}.txt": f"a|b|c\n{n}|{n}|{n}\n".encode() for n in range(FILES)}

    # GIVEN a destination whose policy denies the function's writes
    # WHEN files are dropped (EventBridge invokes the function asynchronously for each)
    for key, body in files.items():
        secure_pipeline.drop(key, body)

    # THEN every event ends in the on-failure queue with the denial, and nothing is written
    errors = failure_records(admin_client, secure_resources.function_failure_queue_url, FILES)
    denied = sum("AccessDenied" in error for error in errors)
    reliability.figure("failure records with AccessDenied", f"{denied} of {len(errors)}")
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
    reliability.figure("redriven", f"{len(report.redriven)} of {FILES}")
    queues = (secure_resources.function_failure_queue_url, secure_resources.event_dlq_url)
    reliability.account(
        take_books(
            secure_pipeline,
            {key: ("output", expected_output(body)) for key, body in files.items()},
            summarize=seen,
            failure_messages=queue_messages(admin_client("sqs"), queues),
        )
    )

    # THEN every output appears, byte for byte; the queue is empty; nothing was lost
    assert (sorted(report.redriven), report.still_failing, report.unknown) == (
        sorted(files),
        [],
        [],
    )
    for key, body in files.items():
        outcome = secure_pipeline.outcome(key)
        assert outcome is not None, key
        assert (outcome.kind, outcome.body) == ("output", expected_output(body))
    sqs = admin_client("sqs")
    for queue in queues:
        attributes = sqs.get_queue_attributes(
            QueueUrl=queue,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        assert sum(int(value) for value in attributes.values()) == 0, queue
    for key in files:
        secure_pipeline.remove(key)


def expected_output(body: bytes) -> bytes:
    total = 3 * int(body.split(b"\n")[1].split(b"|")[0])
    return body + f"{total}\n".encode()
