"""The handler's two write paths against moto: one PutObject below the copy threshold, a multipart
upload copying the source inside S3 from it on. Both give the same bytes and metadata; the copy
path reads only lines 1 and 2 (and the last byte), writes only the appended row, and leaves no
multipart upload behind when it fails.

moto enforces S3's 5 MiB minimum part size (its S3_UPLOAD_PART_MIN_SIZE, read once at import):
tests that lower the threshold lower moto's minimum too; one test keeps both at 5 MiB.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import boto3
import moto.s3.models
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from harness.bench.traffic import Traffic
from kit.corpus import CorpusCase, load_corpus
from pipesum import handler
from pipesum.storage import SEQUENCER_METADATA

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

SOURCE = "pipesum-test-source"
DESTINATION = "pipesum-test-destination"
FIXTURE = Path(__file__).resolve().parents[1] / "events" / "object_created.json"
CONTEXT = SimpleNamespace(function_name="pipesum-test-sum")
MIB = 1 << 20
CORPUS = load_corpus()


ENVIRONMENT = {
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "SOURCE_BUCKET": SOURCE,
    "DESTINATION_BUCKET": DESTINATION,
    "MAX_INPUT_BYTES": str(64 * MIB),
}


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[S3Client]:
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_ENDPOINT_URL", "READ_CHUNK_BYTES", "COPY_THRESHOLD_BYTES", "COPY_PART_BYTES"):
        monkeypatch.delenv(name, raising=False)
    with mock_aws():
        client = boto3.session.Session().client("s3")
        client.create_bucket(Bucket=SOURCE)
        client.put_bucket_versioning(Bucket=SOURCE, VersioningConfiguration={"Status": "Enabled"})
        client.create_bucket(Bucket=DESTINATION)
        handler._runtime.cache_clear()
        yield client
    handler._runtime.cache_clear()


def configure(monkeypatch: pytest.MonkeyPatch, **settings: int) -> None:
    """Set the function's tuning variables (and moto's minimum part size to match)."""
    for name, value in settings.items():
        monkeypatch.setenv(name, str(value))
    if settings.get("COPY_THRESHOLD_BYTES", 5 * MIB) < 5 * MIB:
        monkeypatch.setattr(moto.s3.models, "S3_UPLOAD_PART_MIN_SIZE", 1)
    handler._runtime.cache_clear()


@dataclass
class Watched(Traffic):
    """What the function's S3 client did (the bench's counts), and each call's parameters."""

    params: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def watch(faults: dict[str, int] | None = None) -> Watched:
    """Count the function's S3 traffic with botocore event hooks; optionally fail an operation.

    `faults` maps an operation to the call number (1-based) that fails with an injected error.
    The hooks go on a fresh default session, which the handler's next client is made from.
    """
    traffic = Watched()
    faults = faults or {}
    handler._runtime.cache_clear()
    boto3.setup_default_session()
    events = boto3.DEFAULT_SESSION.events  # type: ignore[union-attr]
    traffic.attach(events)  # first: a call is counted before it is failed

    def fail(model: Any, **_: Any) -> None:
        if faults.get(model.name) == traffic.requests[model.name]:
            raise ClientError({"Error": {"Code": "InternalError", "Message": "injected"}}, "x")

    def provided(params: dict[str, Any], model: Any, **_: Any) -> None:
        traffic.params.setdefault(model.name, []).append(dict(params))

    events.register("before-call.s3", fail)
    events.register("provide-client-params.s3", provided)
    return traffic


def event_for(s3: S3Client, key: str, *, sequencer: str = "0055AED6DCD90281E5") -> dict[str, Any]:
    """The event S3 sends for `key`, with the object's size (which picks the read path)."""
    event: dict[str, Any] = copy.deepcopy(json.loads(FIXTURE.read_text()))
    event["detail"]["bucket"]["name"] = SOURCE
    obj = event["detail"]["object"]
    obj["key"] = key
    obj["size"] = s3.head_object(Bucket=SOURCE, Key=key)["ContentLength"]
    del obj["version-id"]
    obj["sequencer"] = sequencer
    return event


def drop_and_handle(s3: S3Client, key: str, body: bytes) -> dict[str, object]:
    s3.put_object(Bucket=SOURCE, Key=key, Body=body)
    return handler.handle(event_for(s3, key), CONTEXT)


def read(s3: S3Client, key: str) -> bytes:
    return s3.get_object(Bucket=DESTINATION, Key=key)["Body"].read()


def multipart_parts(s3: S3Client, key: str) -> int:
    """How many parts the output was written in (its ETag says '-N'); 0 for a PutObject."""
    etag = s3.head_object(Bucket=DESTINATION, Key=key)["ETag"].strip('"')
    return int(etag.rpartition("-")[2]) if "-" in etag else 0


def open_uploads(s3: S3Client) -> list[object]:
    return list(s3.list_multipart_uploads(Bucket=DESTINATION).get("Uploads", []))


# --- the corpus, unchanged, through both paths -------------------------------------------------


@dataclass(frozen=True)
class CaseOutcome:
    kind: object
    body: bytes | None  # the output, or the rejection report
    parts: int  # 0 for a PutObject
    open_uploads: int


@pytest.fixture(scope="module", params=["put", "copy"])
def corpus_outcomes(request: pytest.FixtureRequest) -> dict[str, CaseOutcome]:
    """Every corpus case handled once per path (copy: threshold 1, 3-byte reads), in one moto."""
    outcomes: dict[str, CaseOutcome] = {}
    with pytest.MonkeyPatch.context() as monkeypatch, mock_aws():
        for name, value in ENVIRONMENT.items():
            monkeypatch.setenv(name, value)
        if request.param == "copy":
            configure(monkeypatch, COPY_THRESHOLD_BYTES=1, READ_CHUNK_BYTES=3)
        s3 = boto3.session.Session().client("s3")
        s3.create_bucket(Bucket=SOURCE)
        s3.create_bucket(Bucket=DESTINATION)
        for case in sorted(CORPUS, key=lambda case: case.max_bytes):
            if os.environ["MAX_INPUT_BYTES"] != str(case.max_bytes):
                configure(monkeypatch, MAX_INPUT_BYTES=case.max_bytes)  # a new client: slow
            key = f"{case.name}.txt"
            result = drop_and_handle(s3, key, case.input_bytes)
            written = result["outcome"] == "written"
            outcomes[case.name] = CaseOutcome(
                kind=result["outcome"],
                body=read(s3, key if written else f"_rejected/{key}.json"),
                parts=multipart_parts(s3, key) if written else 0,
                open_uploads=len(open_uploads(s3)),
            )
    handler._runtime.cache_clear()
    return outcomes


@pytest.mark.parametrize("case", CORPUS, ids=[case.name for case in CORPUS])
def test_corpus_case_gives_its_outcome_on_both_write_paths(
    case: CorpusCase, corpus_outcomes: dict[str, CaseOutcome]
) -> None:
    """Every corpus case ends the same way whether the output is put or copied."""
    outcome = corpus_outcomes[case.name]
    if not case.rejected:
        assert outcome.kind == "written"
        assert outcome.body == case.expected_output
    else:
        assert outcome.kind == "rejected"
        assert outcome.body is not None
        report = json.loads(outcome.body)
        assert (report["error_code"], report["line"], report["field"]) == (
            case.error_code,
            case.error_line,
            case.error_field,
        )
    assert outcome.open_uploads == 0


def test_the_copy_path_copies_every_accepted_corpus_case(
    corpus_outcomes: dict[str, CaseOutcome], request: pytest.FixtureRequest
) -> None:
    """With the threshold at 1 byte every output is a multipart copy; by default none is."""
    accepted = [case.name for case in CORPUS if not case.rejected]
    copied = {corpus_outcomes[name].parts > 0 for name in accepted}
    assert copied == {request.node.callspec.params["corpus_outcomes"] == "copy"}


# --- the two paths side by side ----------------------------------------------------------------

SHAPES = {
    "lf": b"sbx|dev|tst|prd|srd\n7101|3501|0862|4284|7437\n" + b"x|y|z\n" * 200,
    "no-trailing-line-break": b"a|b\n1.5|2.25\n" + b"row\n" * 300 + b"last",
    "crlf": b"a|b\r\n1|2\r\n" + b"3|4\r\n" * 300,
    "crlf-no-trailing-line-break": b"\xef\xbb\xbfa|b\r\n-1|2\r\n" + b"z\r\n" * 300 + b"z",
    "lone-cr-at-the-end": b"a|b\r\n1|2\r\n" + b"z\r\n" * 300 + b"z\r",
}


@pytest.mark.parametrize("shape", SHAPES)
def test_put_and_copy_give_byte_identical_outputs_and_metadata(
    s3: S3Client, monkeypatch: pytest.MonkeyPatch, shape: str
) -> None:
    # GIVEN the same file written once below the threshold and once above it (in 3 copy parts)
    original = SHAPES[shape]
    drop_and_handle(s3, "put.txt", original)
    configure(monkeypatch, COPY_THRESHOLD_BYTES=100, COPY_PART_BYTES=len(original) // 3 + 1)
    drop_and_handle(s3, "copy.txt", original)
    # THEN the bytes, the content type and the metadata are the same
    put = s3.get_object(Bucket=DESTINATION, Key="put.txt")
    copied = s3.get_object(Bucket=DESTINATION, Key="copy.txt")
    assert copied["Body"].read() == put["Body"].read()
    assert copied["ContentType"] == put["ContentType"] == "text/plain; charset=utf-8"
    # (the two source objects are two versions: only the version ids may differ)
    assert copied["Metadata"].pop("source-version-id") != put["Metadata"].pop("source-version-id")
    assert copied["Metadata"] == put["Metadata"]
    assert copied["Metadata"][SEQUENCER_METADATA] == "0055AED6DCD90281E5"
    assert (multipart_parts(s3, "put.txt"), multipart_parts(s3, "copy.txt")) == (0, 4)


@pytest.mark.parametrize(("size", "parts"), [(999, 0), (1000, 2), (1001, 2)])
def test_the_threshold_is_the_first_size_that_is_copied(
    s3: S3Client, monkeypatch: pytest.MonkeyPatch, size: int, parts: int
) -> None:
    """Below the threshold: one PutObject; exactly on it and above: copy part(s) + the row."""
    configure(monkeypatch, COPY_THRESHOLD_BYTES=1000)
    original = b"a|b\n1|2\n" + b"z" * (size - 9) + b"\n"
    drop_and_handle(s3, "k", original)
    assert read(s3, "k") == original + b"3\n"
    assert multipart_parts(s3, "k") == parts


def test_default_threshold_at_s3s_real_5_mib_minimum_part_size(s3: S3Client) -> None:
    """With moto enforcing 5 MiB parts: 5 MiB is copied (one part + the row), 1 byte less is put."""
    on = b"a|b\n1|2\n" + b"z" * (5 * MIB - 9) + b"\n"
    below = on[:-2] + b"\n"
    drop_and_handle(s3, "on", on)
    drop_and_handle(s3, "below", below)
    assert read(s3, "on") == on + b"3\n"
    assert read(s3, "below") == below + b"3\n"
    assert (multipart_parts(s3, "on"), multipart_parts(s3, "below")) == (2, 0)


# --- what the copy path reads and writes -------------------------------------------------------


def test_copy_path_reads_lines_1_and_2_and_the_last_byte_and_writes_only_the_row(
    s3: S3Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a 6 MiB file whose lines 1 and 2 are short
    configure(monkeypatch, COPY_THRESHOLD_BYTES=5 * MIB)
    original = b"sbx|dev\n1|2\n" + b"more|rows\n" * (6 * MIB // 10)
    s3.put_object(Bucket=SOURCE, Key="big", Body=original)
    traffic = watch()
    # WHEN the function handles it
    handler.handle(event_for(s3, "big"), CONTEXT)
    # THEN it read one 64 KiB range and the last byte, and wrote the 2-byte row
    assert traffic.answered == (64 << 10) + 1
    assert traffic.written == len(b"3\n")
    assert traffic.requests["GetObject"] == 2
    assert traffic.requests["UploadPartCopy"] == 1
    assert read(s3, "big") == original + b"3\n"


def test_copy_is_pinned_to_the_version_and_etag_that_were_read(
    s3: S3Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """UploadPartCopy names the version id and the ETag (CopySourceIfMatch) located first."""
    configure(monkeypatch, COPY_THRESHOLD_BYTES=10, COPY_PART_BYTES=20)
    put = s3.put_object(Bucket=SOURCE, Key="k", Body=b"a|b\n1|2\n" + b"z" * 40)
    traffic = watch()
    handler.handle(event_for(s3, "k"), CONTEXT)
    copies = traffic.params["UploadPartCopy"]
    assert [c["CopySourceRange"] for c in copies] == ["bytes=0-15", "bytes=16-31", "bytes=32-47"]
    assert {c["CopySource"]["VersionId"] for c in copies} == {put["VersionId"]}
    assert {c["CopySourceIfMatch"] for c in copies} == {put["ETag"].strip('"')}
    gets = traffic.params["GetObject"]
    assert {(g["VersionId"], g["IfMatch"]) for g in gets} == {
        (put["VersionId"], put["ETag"].strip('"'))
    }


def test_a_huge_line_2_is_read_in_growing_bounded_chunks(
    s3: S3Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reads start at 64 KiB and double up to READ_CHUNK_BYTES; the sum is exact."""
    configure(monkeypatch, COPY_THRESHOLD_BYTES=5 * MIB, READ_CHUNK_BYTES=MIB)
    fields = 6 * MIB // 8
    original = b"|".join([b"c"] * fields) + b"\n" + b"|".join([b"1234.50"] * fields) + b"\n"
    s3.put_object(Bucket=SOURCE, Key="wide", Body=original)
    traffic = watch()
    handler.handle(event_for(s3, "wide"), CONTEXT)
    assert read(s3, "wide") == original + f"{1234.5 * fields:.2f}\n".encode()
    sizes = [p["Range"] for p in traffic.params["GetObject"]]
    assert sizes[:5] == [
        "bytes=0-65535",
        "bytes=65536-196607",
        "bytes=196608-458751",
        "bytes=458752-983039",
        "bytes=983040-2031615",
    ]
    assert traffic.answered == len(original)  # every byte once; the last needs no extra read
    assert traffic.written == len(f"{1234.5 * fields:.2f}\n")


def test_a_large_invalid_file_is_rejected_without_reading_past_the_error(
    s3: S3Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(monkeypatch, COPY_THRESHOLD_BYTES=5 * MIB)
    s3.put_object(Bucket=SOURCE, Key="bad", Body=b"a|b\n1|x\n" + b"z" * (6 * MIB))
    traffic = watch()
    assert handler.handle(event_for(s3, "bad"), CONTEXT)["outcome"] == "rejected"
    assert json.loads(read(s3, "_rejected/bad.json"))["error_code"] == "INVALID_NUMBER"
    assert traffic.answered == 64 << 10
    assert traffic.requests["CreateMultipartUpload"] == 0


# --- failures ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param({"UploadPartCopy": 2}, id="second-copy-part"),
        pytest.param({"UploadPart": 1}, id="appended-row"),
        pytest.param({"CompleteMultipartUpload": 1}, id="complete"),
    ],
)
def test_a_failure_mid_upload_aborts_it_and_is_raised(
    s3: S3Client, monkeypatch: pytest.MonkeyPatch, fault: dict[str, int]
) -> None:
    # GIVEN a copy in 3 parts, and an S3 error injected into one step of it
    configure(monkeypatch, COPY_THRESHOLD_BYTES=10, COPY_PART_BYTES=20)
    s3.put_object(Bucket=SOURCE, Key="k", Body=b"a|b\n1|2\n" + b"z" * 40)
    traffic = watch(faults=fault)
    # WHEN the function handles the event, THEN the error is raised (so the event is retried)
    with pytest.raises(ClientError, match="injected"):
        handler.handle(event_for(s3, "k"), CONTEXT)
    # AND the upload was aborted: no parts are left, and there is no output
    assert traffic.requests["AbortMultipartUpload"] == 1
    assert open_uploads(s3) == []
    assert s3.list_objects_v2(Bucket=DESTINATION).get("KeyCount") == 0


def test_a_source_replaced_after_it_was_read_is_not_copied(
    s3: S3Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The version read is the version copied: a newer one's bytes never reach the output."""
    configure(monkeypatch, COPY_THRESHOLD_BYTES=10, COPY_PART_BYTES=20)
    s3.put_object(Bucket=SOURCE, Key="k", Body=b"a|b\n1|2\n" + b"z" * 40)
    traffic = watch()
    events = boto3.DEFAULT_SESSION.events  # type: ignore[union-attr]

    def replace_source(**_: Any) -> None:
        if traffic.requests["CreateMultipartUpload"] == 1 and not traffic.params.get("replaced"):
            traffic.params["replaced"] = []
            s3.put_object(Bucket=SOURCE, Key="k", Body=b"a|b\n5|5\n" + b"y" * 40)

    events.register("before-call.s3.CreateMultipartUpload", replace_source)
    handler.handle(event_for(s3, "k"), CONTEXT)
    assert read(s3, "k") == b"a|b\n1|2\n" + b"z" * 40 + b"\n3\n"
