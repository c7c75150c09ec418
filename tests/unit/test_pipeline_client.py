"""The harness's client of a deployed pipeline, against moto's S3 and CloudWatch Logs: a file's
outcome is its output or its rejection report, forgetting removes both, and a wait that times
out says how far the file got."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from moto import mock_aws

from harness.pipeline import Outcome, OutcomeTimeout, Pipeline
from harness.stack import StackOutputs
from pipesum.storage import rejection_key
from providers.base import Connection

REGION = "us-east-1"
OUTPUTS = StackOutputs(
    source_bucket="pipesum-test-source",
    destination_bucket="pipesum-test-destination",
    function_name="pipesum-test",
    log_group="/aws/lambda/pipesum-test",
    event_rule="pipesum-test-object-created",
    region=REGION,
    event_dlq_url="https://sqs.us-east-1.amazonaws.com/123456789012/events-dlq",
    function_failure_queue_url="https://sqs.us-east-1.amazonaws.com/123456789012/failures",
)


@pytest.fixture
def pipeline(monkeypatch: pytest.MonkeyPatch) -> Iterator[Pipeline]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        client = Pipeline(OUTPUTS, Connection(region=REGION))
        for bucket in (OUTPUTS.source_bucket, OUTPUTS.destination_bucket):
            client.s3.create_bucket(Bucket=bucket)
        yield client


def put_outcome(pipeline: Pipeline, key: str, body: bytes) -> None:
    pipeline.s3.put_object(Bucket=OUTPUTS.destination_bucket, Key=key, Body=body)


def test_the_outcome_is_the_output_when_there_is_one_else_the_rejection_report(
    pipeline: Pipeline,
) -> None:
    assert pipeline.outcome("data/a.csv") is None

    put_outcome(pipeline, rejection_key("data/a.csv"), b'{"reason": "invalid number"}')
    rejected = pipeline.outcome("data/a.csv")
    assert rejected == Outcome(
        "rejected", rejection_key("data/a.csv"), b'{"reason": "invalid number"}'
    )
    assert rejected.report() == {"reason": "invalid number"}

    put_outcome(pipeline, "data/a.csv", b"a,b\n1,2\n3\n")
    assert pipeline.outcome("data/a.csv") == Outcome("output", "data/a.csv", b"a,b\n1,2\n3\n")


def test_remove_deletes_the_drop_its_output_and_its_report(pipeline: Pipeline) -> None:
    pipeline.drop("data/a.csv", b"a,b\n1,2\n")
    put_outcome(pipeline, "data/a.csv", b"a,b\n1,2\n3\n")
    put_outcome(pipeline, rejection_key("data/a.csv"), b"{}")

    pipeline.remove("data/a.csv")

    for bucket in (OUTPUTS.source_bucket, OUTPUTS.destination_bucket):
        assert pipeline.s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0


def test_the_wait_returns_the_outcome_once_it_appears(pipeline: Pipeline) -> None:
    seen: list[float] = []

    def arrive_on_second_poll(elapsed: float) -> None:
        seen.append(elapsed)
        put_outcome(pipeline, "data/a.csv", b"done")

    outcome = pipeline.wait_for_outcome(
        "data/a.csv", timeout=30, since=time.time(), on_progress=arrive_on_second_poll
    )

    assert outcome == Outcome("output", "data/a.csv", b"done")
    assert len(seen) == 1


def test_a_timeout_without_the_upload_says_the_upload_is_missing(pipeline: Pipeline) -> None:
    with pytest.raises(OutcomeTimeout) as raised:
        pipeline.wait_for_outcome("data/never.csv", timeout=0, since=time.time())

    assert str(raised.value).startswith(
        "no output and no rejection report for 'data/never.csv' after 0 s; "
        "the upload itself is not in the source bucket ("
    )


def test_a_timeout_after_the_upload_quotes_the_functions_errors(pipeline: Pipeline) -> None:
    since = time.time()
    pipeline.drop("data/a.csv", b"a,b\n1,2\n")
    pipeline.logs.create_log_group(logGroupName=OUTPUTS.log_group)
    pipeline.logs.create_log_stream(logGroupName=OUTPUTS.log_group, logStreamName="s")
    pipeline.logs.put_log_events(
        logGroupName=OUTPUTS.log_group,
        logStreamName="s",
        logEvents=[
            {"timestamp": int(since * 1000), "message": "START RequestId: 1\n"},
            {"timestamp": int(since * 1000), "message": "[ERROR] Task timed out\n"},
        ],
    )

    with pytest.raises(OutcomeTimeout) as raised:
        pipeline.wait_for_outcome("data/a.csv", timeout=0, since=since)

    assert str(raised.value).endswith(
        "last step that succeeded: function invoked; it failed with:\n[ERROR] Task timed out"
    )


def test_unreadable_logs_are_named_instead_of_explained(pipeline: Pipeline) -> None:
    (line,) = pipeline.function_log_lines(time.time())

    assert line.startswith("(could not read the function's logs: An error occurred (Resource")
    assert line.endswith(")")
