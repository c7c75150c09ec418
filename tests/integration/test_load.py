"""300 files dropped by 16 concurrent threads: exactly 300 correct outputs, none lost or doubled.

Every file holds its own numbers, so an output written under the wrong key would not match.
The expected bytes come from the reference transform, not from the function's code. The wall
time runs from the first PutObject to the first listing (polled every 200 ms) showing all 300.

Each thread drops its next file once its previous one has an outcome, so 16 files are in flight
at a time, more than the stack's reserve of 10 (envs/sandbox.tfvars): throttled events wait and
are retried, as Lambda retries them. tests/integration/test_throttled_burst.py drops a burst at
once into a reserve of 2.

On a timeout the message names the missing keys, the function's throttled invocations and how
far the first missing file got.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import pytest
from botocore.config import Config

from harness.pipeline import OutcomeTimeout, Pipeline
from harness.reliability import Scenario
from harness.soak.throttles import lambda_throttles
from harness.stack import StackOutputs
from kit.books import queue_messages
from kit.corpus import DEFAULT_MAX_BYTES
from kit.reference_transform import reference_append_sum
from pipesum.storage import REJECTED_PREFIX
from providers import Connection
from tests.support.books import take_books
from tests.support.outcomes import seen as seen_as
from tests.support.reliability_plugin import Evidence

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import ObjectIdentifierTypeDef
    from mypy_boto3_sqs import SQSClient

FILES = 300
THREADS = 16
#: How long a thread waits for its file's outcome before it drops its next file, and how long
#: the destination is polled after the last drop.
FILE_WAIT_SECONDS = 60.0
POLL_SECONDS = 0.2
SHOWN = 20


def content(index: int) -> bytes:
    """File `index`: its own numbers, with a varying count, sign and scale."""
    columns = 2 + index % 5
    numbers = [str(index), f"-{index * 7 % 1000}.{index % 100:02d}"]
    numbers += [f"{(index + column) ** 3}" for column in range(columns - 2)]
    header = "|".join(f"col{column}" for column in range(columns))
    return f"{header}\n{'|'.join(numbers)}\n".encode("ascii")


def list_keys(s3: S3Client, bucket: str, prefix: str) -> list[str]:
    keys: list[str] = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        keys.extend(item["Key"] for item in page.get("Contents", []))
    return keys


def version_counts(s3: S3Client, bucket: str, prefix: str) -> Counter[str]:
    """How many versions of each key under `prefix` were written (delete markers aside)."""
    counts: Counter[str] = Counter()
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix):
        counts.update(version["Key"] for version in page.get("Versions", []))
    return counts


def delete_keys(s3: S3Client, bucket: str, keys: list[str]) -> None:
    for start in range(0, len(keys), 1000):
        doomed: list[ObjectIdentifierTypeDef] = [{"Key": key} for key in keys[start : start + 1000]]
        s3.delete_objects(Bucket=bucket, Delete={"Objects": doomed, "Quiet": True})


@pytest.fixture
def s3(connection: Connection) -> S3Client:
    client: S3Client = connection.session().client(
        "s3",
        endpoint_url=connection.endpoint_url,
        config=Config(max_pool_connections=THREADS * 2),
    )
    return client


@pytest.fixture
def prefix(s3: S3Client, outputs: StackOutputs) -> Iterator[str]:
    """A prefix only this test uses; whatever was dropped or written under it is deleted after."""
    unique = f"load-{uuid.uuid4().hex[:8]}/"
    yield unique
    delete_keys(s3, outputs.source_bucket, list_keys(s3, outputs.source_bucket, unique))
    for written in (unique, REJECTED_PREFIX + unique):
        bucket = outputs.destination_bucket
        delete_keys(s3, bucket, list_keys(s3, bucket, written))


LOAD = Scenario(
    "load-300",
    title=f"Load: {FILES} files dropped by {THREADS} concurrent threads",
    done=(
        f"{FILES} files, each with its own numbers, dropped by {THREADS} concurrent threads "
        "(one file in flight each) into the test stack"
    ),
    asserts=(
        f"exactly {FILES} outputs under the test's prefix, each written once (one S3 version) "
        "and byte-equal to the reference transform's output; no rejection report"
    ),
)


@pytest.mark.reliability(LOAD)
def test_300_concurrent_drops_give_exactly_300_correct_outputs(
    pipeline: Pipeline,
    outputs: StackOutputs,
    connection: Connection,
    s3: S3Client,
    prefix: str,
    reliability: Evidence,
) -> None:
    """No output missing, none written twice, none wrong, no rejection, under 16-way drops."""
    # GIVEN 300 files, each with its own numbers, and their expected outputs
    files = {f"{prefix}{index:03d}.txt": content(index) for index in range(FILES)}
    expected = {
        key: reference_append_sum(body, max_bytes=DEFAULT_MAX_BYTES) for key, body in files.items()
    }
    assert len(set(expected.values())) == FILES  # a mix-up between keys would show
    reliability.figure("threads", THREADS)

    # WHEN 16 threads drop them concurrently, each keeping one file in flight
    source = outputs.source_bucket
    started_at, first_drop = time.time(), time.monotonic()

    def drop_and_wait(item: tuple[str, bytes]) -> None:
        key, body = item
        dropped_at = time.time()
        s3.put_object(Bucket=source, Key=key, Body=body)
        with contextlib.suppress(OutcomeTimeout):  # the books below count what never came
            pipeline.wait_for_outcome(key, timeout=FILE_WAIT_SECONDS, since=dropped_at)

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        list(pool.map(drop_and_wait, files.items()))
    reliability.figure("drops done in", f"{time.monotonic() - first_drop:.1f} s")

    # THEN the destination lists exactly their 300 keys (polled until then, or the deadline)
    destination = outputs.destination_bucket
    deadline = time.monotonic() + FILE_WAIT_SECONDS
    while True:
        seen = set(list_keys(s3, destination, prefix))
        rejected = list_keys(s3, destination, REJECTED_PREFIX + prefix)
        now = time.monotonic()
        if len(seen) >= FILES or rejected or now >= deadline:
            break
        time.sleep(POLL_SECONDS)
    wall_time = now - first_drop
    reliability.figure("wall time, first drop to last output", f"{wall_time:.1f} s")
    sqs: SQSClient = connection.session().client("sqs", endpoint_url=connection.endpoint_url)
    books = reliability.account(
        take_books(
            pipeline,
            {key: ("output", body) for key, body in expected.items()},
            summarize=seen_as,
            failure_messages=queue_messages(
                sqs, (outputs.event_dlq_url, outputs.function_failure_queue_url)
            ),
        )
    )
    reliability.figure("outputs correct", books.dropped - len(books.missing) - len(books.wrong))

    missing = list(books.missing)
    assert not missing, (
        f"after {wall_time:.0f} s the destination lists {len(seen)} of {FILES} outputs; "
        f"missing {len(missing)}: {missing[:SHOWN]}; rejection reports: {rejected[:SHOWN]}; "
        f"throttled invocations: {lambda_throttles(connection, outputs.function_name, started_at)}"
        f"; first missing file: {pipeline.diagnose(missing[0], started_at)}"
    )
    assert rejected == []
    assert seen == set(files)

    # AND each output was written once, and holds exactly its expected bytes
    versions = version_counts(s3, destination, prefix)
    duplicated = {key: count for key, count in versions.items() if count != 1}
    assert duplicated == {}

    def read(key: str) -> tuple[str, bytes]:
        return key, s3.get_object(Bucket=destination, Key=key)["Body"].read()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        written = dict(pool.map(read, sorted(seen)))
    wrong = sorted(key for key in files if written[key] != expected[key])
    assert {key: written[key] for key in wrong[:SHOWN]} == {
        key: expected[key] for key in wrong[:SHOWN]
    }
    assert written == expected
