"""A burst into a function reserved to 2 concurrent runs: throttled, retried, none lost.

The stack of this module (the sandbox's settings with a reserve of 2) runs on an emulator of its
own. Files dropped all at once arrive faster than two runs can take them; Lambda retries a throttled
asynchronous event until its maximum age without using up its retry attempts, so every file
gets exactly one correct output and nothing reaches the failure queues.
"""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import pytest
from botocore.config import Config

from harness.pipeline import Pipeline
from harness.soak.throttles import lambda_throttles
from harness.stack import StackOutputs, throwaway_stack
from kit.corpus import DEFAULT_MAX_BYTES
from kit.reference_transform import reference_append_sum
from providers import Connection, Target, make_target

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient

RESERVE = 2
FILES = 40
WAIT_SECONDS = 240.0


def content(index: int) -> bytes:
    """File `index`, with numbers of its own so that no output can pass for another's."""
    return f"a|b|c\n{index}|-{index * 3}.5|{index**2}\n".encode("ascii")


@pytest.fixture(scope="module")
def reserved(
    target: Target, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Connection, StackOutputs]]:
    """The sandbox's stack with a reserve of 2, on a target of this module's own (a new
    emulator on MiniStack)."""
    state_dir = tmp_path_factory.mktemp("reserved")
    own = make_target(target.name, state_dir=state_dir)
    with (
        own as connection,
        throwaway_stack(
            own,
            connection,
            state_dir,
            environment=f"rv-{uuid.uuid4().hex[:6]}",
            extra_variables={"lambda_reserved_concurrency": RESERVE},
        ) as stack,
    ):
        yield connection, stack.outputs()
        own.stop()  # the stack goes with its emulator: the shared stacks' teardown tests destroy


def queued(sqs: SQSClient, url: str) -> int:
    attributes = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return sum(int(value) for value in attributes.values())


@pytest.mark.behaviour("throttled-events-wait-for-capacity", "throttles-are-counted")
def test_a_throttled_burst_is_retried_not_lost(reserved: tuple[Connection, StackOutputs]) -> None:
    connection, outputs = reserved
    pipeline = Pipeline(outputs, connection)
    prefix = f"burst-{uuid.uuid4().hex[:8]}/"
    keys = {f"{prefix}{index:03d}/triggerFile.txt": content(index) for index in range(FILES)}
    started = time.time()

    # WHEN 40 files are dropped at once
    s3: S3Client = connection.session().client(
        "s3", endpoint_url=connection.endpoint_url, config=Config(max_pool_connections=FILES)
    )
    with ThreadPoolExecutor(max_workers=FILES) as uploads:
        list(
            uploads.map(
                lambda item: s3.put_object(Bucket=outputs.source_bucket, Key=item[0], Body=item[1]),
                keys.items(),
            )
        )

    # THEN each gets one output, retried past the throttles
    deadline = time.monotonic() + WAIT_SECONDS
    written: Counter[str] = Counter()
    while True:
        written = Counter()
        pages = pipeline.s3.get_paginator("list_object_versions").paginate(
            Bucket=outputs.destination_bucket, Prefix=prefix
        )
        for page in pages:
            written.update(version["Key"] for version in page.get("Versions", []))
        if set(written) >= set(keys) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    throttles = lambda_throttles(connection, outputs.function_name, started)
    sqs: SQSClient = connection.session().client("sqs", endpoint_url=connection.endpoint_url)
    failures = {
        url: queued(sqs, url) for url in (outputs.event_dlq_url, outputs.function_failure_queue_url)
    }
    missing = sorted(set(keys) - set(written))
    print(  # the figures of this run, in the test's output whether it passes or fails
        json.dumps(
            {
                "dropped": FILES,
                "outputs": len(written),
                "missing": len(missing),
                "throttles": throttles,
                "failure_queue_messages": sum(failures.values()),
                "seconds": round(time.time() - started, 1),
            }
        )
    )
    assert missing == [], f"{len(missing)} of {FILES} never got an output: {missing[:5]}"
    assert throttles > 0, "the burst was never throttled: it shows nothing about retries"
    assert {key: count for key, count in written.items() if count != 1} == {}
    assert failures == dict.fromkeys(failures, 0)
    for key, body in keys.items():
        output = pipeline.outcome(key)
        assert output is not None
        expected = reference_append_sum(body, max_bytes=DEFAULT_MAX_BYTES)
        assert (output.kind, output.body) == ("output", expected)
