"""The large-file path end to end: outputs made by a multipart upload that copies the source.

S3 refuses parts under 5 MiB (but the last), so the function's copy threshold and part size are
lowered here through the Lambda API (and set back afterwards): small files then take the same
path a 5 GiB file takes. That needs a target that accepts small parts; MiniStack does. Those tests
are marked `lax_part_sizes`: S3 and LocalStack refuse the parts, so `make test` runs them on
MiniStack only (on AWS they are skipped), and the 5 MiB test runs with the defaults everywhere.

Last, the Storage class straight against the target's S3, on buckets of its own: a replaced
source is refused by CopySourceIfMatch, and a failure mid-upload leaves no upload behind.
"""

from __future__ import annotations

import itertools
import json
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

from harness.pipeline import Outcome, Pipeline
from harness.stack import StackOutputs
from kit.corpus import DEFAULT_MAX_BYTES, CorpusCase, load_corpus
from kit.reference_transform import reference_append_sum
from pipesum.storage import Storage
from pipesum.tuning import Tuning
from providers import Connection, Target

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_s3 import S3Client

WAIT_SECONDS = 90.0
MIB = 1 << 20
THRESHOLD = 1000
PART = 2000
CASES = load_corpus()
TUNING_NAMES = ("COPY_THRESHOLD_BYTES", "COPY_PART_BYTES", "READ_CHUNK_BYTES")


@pytest.fixture(scope="module")
def function_environment(
    outputs: StackOutputs, connection: Connection
) -> Iterator[Callable[[dict[str, str]], None]]:
    """Set some of the function's environment variables; all are set back at the end."""
    client: LambdaClient = connection.session().client(
        "lambda", endpoint_url=connection.endpoint_url
    )

    def current() -> dict[str, str]:
        config = client.get_function_configuration(FunctionName=outputs.function_name)
        return dict(config.get("Environment", {}).get("Variables", {}))

    def apply(variables: dict[str, str]) -> None:
        if variables == current():
            return
        client.update_function_configuration(
            FunctionName=outputs.function_name, Environment={"Variables": variables}
        )
        client.get_waiter("function_updated_v2").wait(FunctionName=outputs.function_name)

    original = current()
    try:
        yield lambda changes: apply(original | changes)
    finally:
        apply(original)


@pytest.fixture
def small_copies(
    target: Target, function_environment: Callable[[dict[str, str]], None]
) -> Iterator[None]:
    if target.enforces_minimum_part_size:
        pytest.skip("S3 refuses parts under 5 MiB: the threshold cannot be lowered on AWS")
    function_environment(
        {
            "COPY_THRESHOLD_BYTES": str(THRESHOLD),
            "COPY_PART_BYTES": str(PART),
            "READ_CHUNK_BYTES": "256",
        }
    )
    yield
    function_environment({})


def run_batch(pipeline: Pipeline, files: dict[str, bytes]) -> dict[str, Outcome]:
    def drop_and_wait(item: tuple[str, bytes]) -> tuple[str, Outcome]:
        key, body = item
        dropped_at = time.time()
        pipeline.drop(key, body)
        return key, pipeline.wait_for_outcome(key, timeout=WAIT_SECONDS, since=dropped_at)

    with ThreadPoolExecutor(max_workers=8) as pool:
        return dict(pool.map(drop_and_wait, files.items()))


def parts_of(pipeline: Pipeline, key: str) -> int:
    """How many parts the output was written in (its ETag says '-N'); 0 for a PutObject."""
    head = pipeline.s3.head_object(Bucket=pipeline.outputs.destination_bucket, Key=key)
    etag = head["ETag"].strip('"')
    return int(etag.rpartition("-")[2]) if "-" in etag else 0


def sized(size: int, *, head: bytes = b"a|b\n1|2\n", ending: bytes = b"\n") -> bytes:
    """A valid file of exactly `size` bytes: `head`, filler rows, and `ending` (or none)."""
    filler = size - len(head) - len(ending)
    return head + (b"z" * 99 + b"\n") * (filler // 100) + b"z" * (filler % 100) + ending


SHAPES = {
    "below-threshold": sized(THRESHOLD - 1),
    "on-threshold": sized(THRESHOLD),
    "one-copy-part": sized(PART),
    "three-copy-parts": sized(3 * PART + 5),
    "no-trailing-line-break": sized(3000, ending=b""),
    "crlf": sized(3000, head=b"a|b\r\n1.25|-2\r\n", ending=b"\r\n"),
    "crlf-no-trailing-line-break": sized(3000, head=b"\xef\xbb\xbfa|b\r\n1|2\r\n", ending=b""),
    "lone-cr-at-the-end": sized(3000, ending=b"\r"),
    "huge-line-2": b"|".join([b"c"] * 700) + b"\n" + b"|".join([b"0862"] * 700) + b"\n",
}


def expected_parts(size: int) -> int:
    """0 below the threshold (PutObject), else the copy parts of at most PART bytes + the row."""
    return 0 if size < THRESHOLD else -(-size // PART) + 1


@pytest.mark.lax_part_sizes
@pytest.mark.usefixtures("small_copies")
def test_outputs_of_both_write_paths_are_the_reference_bytes_with_metadata(
    pipeline: Pipeline,
) -> None:
    # GIVEN files below, on and above the (lowered) threshold, with every kind of ending
    prefix = f"large-{uuid.uuid4().hex[:8]}"
    files = {f"{prefix}/{name}.txt": body for name, body in SHAPES.items()}
    # WHEN they are dropped into the deployed pipeline
    outcomes = run_batch(pipeline, files)
    # THEN each output is exactly what the whole-bytes reference gives, written as expected
    for key, body in files.items():
        name = key.rsplit("/", 1)[1].removesuffix(".txt")
        assert (outcomes[key].kind, outcomes[key].body) == (
            "output",
            reference_append_sum(body, max_bytes=DEFAULT_MAX_BYTES),
        ), name
        assert parts_of(pipeline, key) == expected_parts(len(body)), name
        head = pipeline.s3.head_object(Bucket=pipeline.outputs.destination_bucket, Key=key)
        assert head["ContentType"] == "text/plain; charset=utf-8"
        assert set(head["Metadata"]) >= {"source-sequencer", "source-etag", "source-version-id"}


@pytest.mark.lax_part_sizes
@pytest.mark.usefixtures("small_copies")
def test_the_corpus_gives_its_outcomes_through_the_copy_path(
    pipeline: Pipeline, function_environment: Callable[[dict[str, str]], None]
) -> None:
    """Every corpus case, with a threshold of 1 byte and 16-byte reads, ends as expected."""
    prefix = f"corpus-copy-{uuid.uuid4().hex[:8]}"
    outcomes: dict[str, Outcome] = {}
    by_limit = itertools.groupby(sorted(CASES, key=lambda c: c.max_bytes), lambda c: c.max_bytes)
    for limit, batch in by_limit:
        function_environment(
            {"COPY_THRESHOLD_BYTES": "1", "READ_CHUNK_BYTES": "16", "MAX_INPUT_BYTES": str(limit)}
        )
        files = {f"{prefix}/{case.name}.txt": case.input_bytes for case in batch}
        outcomes |= run_batch(pipeline, files)
    failures = [
        case.name
        for case in CASES
        if not ends_as_expected(case, outcomes[f"{prefix}/{case.name}.txt"], pipeline)
    ]
    assert failures == []


def ends_as_expected(case: CorpusCase, outcome: Outcome, pipeline: Pipeline) -> bool:
    if case.rejected:
        report = outcome.report()
        expected = (case.error_code, case.error_line, case.error_field)
        return (
            outcome.kind == "rejected"
            and (
                report["error_code"],
                report["line"],
                report["field"],
            )
            == expected
        )
    return (
        outcome.kind == "output"
        and outcome.body == case.expected_output
        and parts_of(pipeline, outcome.key) == 2
    )


def test_a_file_of_5_mib_is_copied_with_s3s_own_part_sizes(
    pipeline: Pipeline, function_environment: Callable[[dict[str, str]], None]
) -> None:
    """With the default tuning: 5 MiB is one 5 MiB copy part and the row; 1 byte less is put."""
    function_environment({"MAX_INPUT_BYTES": str(8 * MIB)})
    prefix = f"five-mib-{uuid.uuid4().hex[:8]}"
    on, below = sized(5 * MIB), sized(5 * MIB - 1)
    outcomes = run_batch(pipeline, {f"{prefix}/on.txt": on, f"{prefix}/below.txt": below})
    assert outcomes[f"{prefix}/on.txt"].body == on + b"3\n"
    assert outcomes[f"{prefix}/below.txt"].body == below + b"3\n"
    assert parts_of(pipeline, f"{prefix}/on.txt") == 2
    assert parts_of(pipeline, f"{prefix}/below.txt") == 0
    function_environment({})


# --- Storage against the target's S3 -----------------------------------------------------------


@pytest.fixture
def buckets(connection: Connection) -> Iterator[tuple[S3Client, str, str]]:
    """A source and a destination bucket of this test's own (no events), removed afterwards."""
    s3: S3Client = connection.session().client("s3", endpoint_url=connection.endpoint_url)
    names = [f"pipesum-it-{role}-{uuid.uuid4().hex[:10]}" for role in ("src", "dst")]
    for name in names:
        s3.create_bucket(Bucket=name)
    try:
        yield s3, names[0], names[1]
    finally:
        for name in names:
            for upload in s3.list_multipart_uploads(Bucket=name).get("Uploads", []):
                s3.abort_multipart_upload(
                    Bucket=name, Key=upload["Key"], UploadId=upload["UploadId"]
                )
            for item in s3.list_objects_v2(Bucket=name).get("Contents", []):
                s3.delete_object(Bucket=name, Key=item["Key"])
            s3.delete_bucket(Bucket=name)


def copy_storage(s3: S3Client, destination: str) -> Storage:
    return Storage(
        s3,
        destination_bucket=destination,
        tuning=Tuning(copy_threshold_bytes=1, copy_part_bytes=10),
    )


def test_a_replaced_source_is_refused_by_its_etag_and_the_upload_aborted(
    buckets: tuple[S3Client, str, str],
) -> None:
    """Refused at the first part's copy: S3 checks part sizes only when the upload completes."""
    # GIVEN a source located (size, ETag) and then replaced, in a bucket without versioning
    s3, source_bucket, destination = buckets
    storage = copy_storage(s3, destination)
    s3.put_object(Bucket=source_bucket, Key="k", Body=b"a|b\n1|2\n" + b"z" * 30)
    source = storage.locate_source(source_bucket, "k", None)
    assert source is not None
    s3.put_object(Bucket=source_bucket, Key="k", Body=b"a|b\n5|5\n" + b"y" * 30)
    # WHEN the output is copied from what was located
    with pytest.raises(ClientError) as refused:
        storage.write_output_by_copy(
            "k",
            source_bucket=source_bucket,
            source=source,
            appended=b"3\n",
            metadata={},
            expected=None,
        )
    # THEN S3 refuses the copy, nothing is written, and no upload is left open
    assert refused.value.response["Error"]["Code"] == "PreconditionFailed"
    assert s3.list_objects_v2(Bucket=destination).get("KeyCount") == 0
    assert s3.list_multipart_uploads(Bucket=destination).get("Uploads", []) == []


def test_a_failure_mid_upload_leaves_no_upload_behind(buckets: tuple[S3Client, str, str]) -> None:
    """The upload never completes, so the small parts are never judged by their size."""
    s3, source_bucket, destination = buckets
    storage = copy_storage(s3, destination)
    s3.put_object(Bucket=source_bucket, Key="k", Body=b"a|b\n1|2\n" + b"z" * 30)
    source = storage.locate_source(source_bucket, "k", None)
    assert source is not None
    copies = itertools.count(1)

    def fail_the_third_copy(**_: Any) -> None:
        if next(copies) == 3:
            raise ClientError({"Error": {"Code": "InternalError", "Message": "injected"}}, "x")

    s3.meta.events.register("before-call.s3.UploadPartCopy", fail_the_third_copy)
    with pytest.raises(ClientError, match="injected"):
        storage.write_output_by_copy(
            "k",
            source_bucket=source_bucket,
            source=source,
            appended=b"3\n",
            metadata={},
            expected=None,
        )
    assert s3.list_multipart_uploads(Bucket=destination).get("Uploads", []) == []
    assert s3.list_objects_v2(Bucket=destination).get("KeyCount") == 0


@pytest.mark.lax_part_sizes
def test_ranged_reads_and_small_copy_parts_are_what_the_emulator_does(
    target: Target, buckets: tuple[S3Client, str, str]
) -> None:
    """Pins the target's behaviour: 206 ranges pinned by IfMatch, 10-byte parts accepted."""
    if target.enforces_minimum_part_size:
        pytest.skip("S3 refuses parts under 5 MiB")
    s3, source_bucket, destination = buckets
    storage = copy_storage(s3, destination)
    body = b"a|b\n1|2\n" + b"0123456789" * 4
    s3.put_object(Bucket=source_bucket, Key="k", Body=body, Metadata={"x": "y"})
    source = storage.locate_source(source_bucket, "k", None)
    assert source is not None
    assert storage.read_source_range(source_bucket, source, 4, 7) == b"1|2\n"
    written = storage.write_output_by_copy(
        "k",
        source_bucket=source_bucket,
        source=source,
        appended=b"3\n",
        metadata={"m": "v"},
        expected=None,
    )
    output = s3.get_object(Bucket=destination, Key="k")
    assert output["Body"].read() == body + b"3\n"
    assert output["Metadata"] == {"m": "v"}
    assert (written.etag, written.metadata) == (output["ETag"], {"m": "v"})
    report = json.dumps(output["ResponseMetadata"]["HTTPHeaders"])  # for a failure's message
    # 48 bytes in five 10-byte ranges (at most), then the row: six parts
    assert output["ETag"].strip('"').endswith("-6"), report
