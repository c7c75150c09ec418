"""The handler against moto's in-memory S3: outputs, rejection reports, order and idempotency."""

from __future__ import annotations

import functools
import hashlib
import json
import platform
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import boto3
import botocore
import pytest
from moto import mock_aws

from pipesum import handler
from pipesum.config import Settings
from pipesum.faults import Fault, FaultyStorage
from pipesum.storage import SEQUENCER_METADATA
from pipesum.tuning import Tuning
from tests.support.function_config import object_created_event

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

SOURCE = "pipesum-test-source"
DESTINATION = "pipesum-test-destination"
FIXTURE = Path(__file__).resolve().parents[1] / "events" / "object_created.json"
SAMPLE = b"sbx|dev|tst|prd|srd\n7101|3501|0862|4284|7437\n"
CONTEXT = SimpleNamespace(function_name="pipesum-test-sum")


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[S3Client]:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("SOURCE_BUCKET", SOURCE)
    monkeypatch.setenv("DESTINATION_BUCKET", DESTINATION)
    monkeypatch.setenv("MAX_INPUT_BYTES", "1000")
    with mock_aws():
        client = boto3.client("s3")
        client.create_bucket(Bucket=SOURCE)
        client.create_bucket(Bucket=DESTINATION)
        handler._runtime.cache_clear()
        yield client
    handler._runtime.cache_clear()


def event_for(key: str, *, sequencer: str | None = "0055AED6DCD90281E5") -> dict[str, Any]:
    return object_created_event(SOURCE, key, sequencer=sequencer)


def read(s3: S3Client, key: str) -> bytes:
    return s3.get_object(Bucket=DESTINATION, Key=key)["Body"].read()


@dataclass(frozen=True)
class Meanwhile(Fault):
    """Instead of a fault, another event's write, at the point this fault would fire."""

    write: Callable[[], object] = field(default=lambda: None)

    def fire(self, point: str, *, etag: str | None) -> None:  # noqa: ARG002  (any object)
        if point == self.point:
            self.write()


def meanwhile(monkeypatch: pytest.MonkeyPatch, write: Callable[[], object]) -> None:
    """Have `write` land after the handler read its source and before it asks the destination
    anything (the fault hook's `read` point), as a concurrent event's write would."""
    settings, tuning = Settings.from_environment(), Tuning.from_environment()
    storage = FaultyStorage(
        boto3.client("s3"),
        destination_bucket=settings.destination_bucket,
        tuning=tuning,
        fault=Meanwhile("delay", "read", write=write),
    )
    monkeypatch.setattr(handler, "_runtime", functools.cache(lambda: (settings, storage)))


def test_sample_is_written_to_the_destination_with_its_sum(s3: S3Client) -> None:
    s3.put_object(Bucket=SOURCE, Key="in/triggerFile.txt", Body=SAMPLE)
    result = handler.handle(event_for("in/triggerFile.txt"), CONTEXT)
    assert result == {"outcome": "written", "key": "in/triggerFile.txt"}
    assert read(s3, "in/triggerFile.txt") == SAMPLE + b"23185\n"


def test_output_records_the_sequencer_of_the_event_that_made_it(s3: S3Client) -> None:
    s3.put_object(Bucket=SOURCE, Key="k", Body=SAMPLE)
    handler.handle(event_for("k", sequencer="00AB"), CONTEXT)
    head = s3.head_object(Bucket=DESTINATION, Key="k")
    assert head["Metadata"][SEQUENCER_METADATA] == "00AB"


@pytest.mark.parametrize(
    "key", ["with space.txt", "plus+sign.txt", "percent%2B.txt", "ünïcødé/ключ.txt", "a/b/c/d.txt"]
)
def test_keys_are_used_exactly_as_uploaded(s3: S3Client, key: str) -> None:
    s3.put_object(Bucket=SOURCE, Key=key, Body=SAMPLE)
    assert handler.handle(event_for(key), CONTEXT)["key"] == key
    assert read(s3, key) == SAMPLE + b"23185\n"


@pytest.mark.parametrize(
    ("actual_key", "encoded_key"),
    [("with space.txt", "with+space.txt"), ("a+b.txt", "a%2Bb.txt"), ("é.txt", "%C3%A9.txt")],
)
def test_url_encoded_keys_in_events_find_the_object_they_name(
    s3: S3Client, actual_key: str, encoded_key: str
) -> None:
    s3.put_object(Bucket=SOURCE, Key=actual_key, Body=SAMPLE)
    assert handler.handle(event_for(encoded_key), CONTEXT)["key"] == actual_key
    assert read(s3, actual_key) == SAMPLE + b"23185\n"


def test_invalid_file_gets_a_rejection_report_and_no_output(s3: S3Client) -> None:
    s3.put_object(Bucket=SOURCE, Key="bad.txt", Body=b"a|b\n1|x\n")
    result = handler.handle(event_for("bad.txt"), CONTEXT)
    assert result == {"outcome": "rejected", "key": "bad.txt"}
    report = json.loads(read(s3, "_rejected/bad.txt.json"))
    assert report["error_code"] == "INVALID_NUMBER"
    assert report["source_bucket"] == SOURCE
    assert report["source_key"] == "bad.txt"
    assert (report["line"], report["field"]) == (2, 2)
    assert s3.list_objects_v2(Bucket=DESTINATION, Prefix="bad.txt").get("KeyCount") == 0


def test_rejection_is_logged_and_counted_in_an_embedded_metric(
    s3: S3Client, capsys: pytest.CaptureFixture[str]
) -> None:
    s3.put_object(Bucket=SOURCE, Key="empty.txt", Body=b"")
    handler.handle(event_for("empty.txt"), CONTEXT)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    metric = next(line for line in lines if "_aws" in line)
    assert metric["Rejections"] == 1
    assert metric["error_code"] == "EMPTY_FILE"
    assert metric["FunctionName"] == "pipesum-test-sum"
    assert metric["_aws"]["CloudWatchMetrics"][0]["Metrics"] == [
        {"Name": "Rejections", "Unit": "Count"}
    ]


def test_file_over_the_size_limit_is_rejected_without_being_read(s3: S3Client) -> None:
    s3.put_object(Bucket=SOURCE, Key="big.txt", Body=b"a\n" + b"1" * 2000 + b"\n")
    handler.handle(event_for("big.txt"), CONTEXT)
    assert json.loads(read(s3, "_rejected/big.txt.json"))["error_code"] == "TOO_LARGE"


def test_a_later_valid_version_removes_the_stale_rejection_report(s3: S3Client) -> None:
    s3.put_object(Bucket=SOURCE, Key="k", Body=b"a|b\n1\n")
    handler.handle(event_for("k", sequencer="01"), CONTEXT)
    s3.put_object(Bucket=SOURCE, Key="k", Body=SAMPLE)
    handler.handle(event_for("k", sequencer="02"), CONTEXT)
    assert read(s3, "k") == SAMPLE + b"23185\n"
    assert s3.list_objects_v2(Bucket=DESTINATION, Prefix="_rejected/").get("KeyCount") == 0


def test_a_later_invalid_version_leaves_the_earlier_output_in_place(s3: S3Client) -> None:
    s3.put_object(Bucket=SOURCE, Key="k", Body=SAMPLE)
    handler.handle(event_for("k", sequencer="01"), CONTEXT)
    s3.put_object(Bucket=SOURCE, Key="k", Body=b"a|b\n1\n")
    handler.handle(event_for("k", sequencer="02"), CONTEXT)
    assert read(s3, "k") == SAMPLE + b"23185\n"
    assert json.loads(read(s3, "_rejected/k.json"))["error_code"] == "FIELD_COUNT_MISMATCH"


def test_a_valid_version_arriving_after_a_newer_rejected_one_ends_as_in_order(
    s3: S3Client,
) -> None:
    """GIVEN version 1 valid, version 2 invalid, their events arriving in reverse order THEN the
    end state is the one in order gives: version 1's output beside version 2's report."""
    s3.put_bucket_versioning(Bucket=SOURCE, VersioningConfiguration={"Status": "Enabled"})
    first = s3.put_object(Bucket=SOURCE, Key="k", Body=SAMPLE)
    second = s3.put_object(Bucket=SOURCE, Key="k", Body=b"a|b\n1\n")
    events = [event_for("k", sequencer="01"), event_for("k", sequencer="02")]
    for event, put in zip(events, (first, second), strict=True):
        event["detail"]["object"]["version-id"] = put["VersionId"]
    assert handler.handle(events[1], CONTEXT)["outcome"] == "rejected"
    assert handler.handle(events[0], CONTEXT)["outcome"] == "written"
    assert read(s3, "k") == SAMPLE + b"23185\n"
    assert json.loads(read(s3, "_rejected/k.json"))["error_code"] == "FIELD_COUNT_MISMATCH"


def test_redelivered_event_gives_the_same_bytes_and_rewrites_nothing(s3: S3Client) -> None:
    s3.put_object(Bucket=SOURCE, Key="k", Body=SAMPLE)
    event = event_for("k", sequencer="0A")
    handler.handle(event, CONTEXT)
    first = s3.head_object(Bucket=DESTINATION, Key="k")
    assert handler.handle(event, CONTEXT)["outcome"] == "superseded"
    again = s3.head_object(Bucket=DESTINATION, Key="k")
    assert read(s3, "k") == SAMPLE + b"23185\n"
    assert again["ETag"] == first["ETag"]
    assert again["LastModified"] == first["LastModified"]


def test_an_older_event_arriving_late_changes_nothing(s3: S3Client) -> None:
    s3.put_object(Bucket=SOURCE, Key="k", Body=SAMPLE)
    handler.handle(event_for("k", sequencer="0B"), CONTEXT)
    s3.put_object(Bucket=SOURCE, Key="k", Body=b"a|b\n1|2\n")
    assert handler.handle(event_for("k", sequencer="0A"), CONTEXT)["outcome"] == "superseded"
    assert read(s3, "k") == SAMPLE + b"23185\n"


def test_event_for_an_object_deleted_since_does_nothing(s3: S3Client) -> None:
    assert handler.handle(event_for("gone.txt"), CONTEXT)["outcome"] == "source_missing"
    assert s3.list_objects_v2(Bucket=DESTINATION).get("KeyCount") == 0


def test_event_for_another_bucket_is_refused_and_does_nothing(s3: S3Client) -> None:
    event = event_for("k")
    event["detail"]["bucket"]["name"] = DESTINATION
    assert handler.handle(event, CONTEXT)["outcome"] == "refused"
    assert s3.list_objects_v2(Bucket=DESTINATION).get("KeyCount") == 0


def test_access_errors_raise_so_the_infrastructure_retries(s3: S3Client) -> None:
    s3.put_object(Bucket=SOURCE, Key="k", Body=SAMPLE)
    s3.delete_bucket(Bucket=DESTINATION)
    with pytest.raises(s3.exceptions.NoSuchBucket):
        handler.handle(event_for("k"), CONTEXT)


def test_aws_documentation_event_for_a_version_that_is_gone_writes_nothing(
    s3: S3Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The example event from the AWS docs, unchanged: its version does not exist here."""
    event = json.loads(FIXTURE.read_text())
    bucket = event["detail"]["bucket"]["name"]
    monkeypatch.setenv("SOURCE_BUCKET", bucket)
    handler._runtime.cache_clear()
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=bucket, Key="example-key", Body=SAMPLE)
    assert handler.handle(event, CONTEXT) == {"outcome": "source_missing", "key": "example-key"}
    assert s3.list_objects_v2(Bucket=DESTINATION).get("KeyCount") == 0


def test_event_with_a_version_id_reads_exactly_that_version(s3: S3Client) -> None:
    s3.put_bucket_versioning(Bucket=SOURCE, VersioningConfiguration={"Status": "Enabled"})
    first = s3.put_object(Bucket=SOURCE, Key="k", Body=SAMPLE)
    s3.put_object(Bucket=SOURCE, Key="k", Body=b"a|b\n1|2\n")
    event = event_for("k")
    event["detail"]["object"]["version-id"] = first["VersionId"]
    handler.handle(event, CONTEXT)
    assert read(s3, "k") == SAMPLE + b"23185\n"
    head = s3.head_object(Bucket=DESTINATION, Key="k")
    assert head["Metadata"]["source-version-id"] == first["VersionId"]


def test_each_event_is_logged_as_one_structured_line(
    s3: S3Client, caplog: pytest.LogCaptureFixture
) -> None:
    s3.put_object(Bucket=SOURCE, Key="k", Body=SAMPLE)
    handler._runtime()  # the execution environment's cold start, logged once before any event
    caplog.clear()
    with caplog.at_level("INFO", logger="pipesum"):
        handler.handle(event_for("k", sequencer="0C"), CONTEXT)
    [record] = caplog.records
    assert record.getMessage() == "object_written"
    assert (record.bucket, record.key, record.sequencer) == (SOURCE, "k", "0C")  # type: ignore[attr-defined]


def test_the_python_and_sdk_the_function_runs_on_are_logged_once_at_cold_start(
    s3: S3Client, caplog: pytest.LogCaptureFixture
) -> None:
    s3.put_object(Bucket=SOURCE, Key="k", Body=SAMPLE)
    with caplog.at_level("INFO", logger="pipesum"):
        handler.handle(event_for("k", sequencer="0C"), CONTEXT)
        handler.handle(event_for("k", sequencer="0D"), CONTEXT)
    assert [record.getMessage() for record in caplog.records] == [
        "cold_start",
        "object_written",
        "object_written",
    ]
    cold_start = caplog.records[0]
    assert cold_start.python == platform.python_version()  # type: ignore[attr-defined]
    assert cold_start.boto3 == boto3.__version__  # type: ignore[attr-defined]
    assert cold_start.botocore == botocore.__version__  # type: ignore[attr-defined]


def test_a_newer_write_landing_during_processing_wins_and_this_event_is_superseded(
    s3: S3Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN an event for version 1 being processed WHEN a newer event writes its output first
    (between this event's order check and its write) THEN the conditional write is refused, the
    order is checked again, and the newer output stays."""
    s3.put_object(Bucket=SOURCE, Key="k", Body=b"a|b\n1|2\n")

    def newer_event_writes_first() -> None:
        s3.put_object(
            Bucket=DESTINATION, Key="k", Body=b"newer\n", Metadata={SEQUENCER_METADATA: "0F"}
        )

    meanwhile(monkeypatch, newer_event_writes_first)
    assert handler.handle(event_for("k", sequencer="0A"), CONTEXT)["outcome"] == "superseded"
    assert read(s3, "k") == b"newer\n"


def test_an_older_write_landing_during_processing_is_overwritten(
    s3: S3Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN a late older event that writes between this event's check and write THEN this
    event's write is refused once, retried against the new state, and its output is the last."""
    s3.put_object(Bucket=SOURCE, Key="k", Body=SAMPLE)

    def older_event_writes_first() -> None:
        s3.put_object(
            Bucket=DESTINATION, Key="k", Body=b"older\n", Metadata={SEQUENCER_METADATA: "01"}
        )

    meanwhile(monkeypatch, older_event_writes_first)
    assert handler.handle(event_for("k", sequencer="0A"), CONTEXT)["outcome"] == "written"
    assert read(s3, "k") == SAMPLE + b"23185\n"
    assert s3.head_object(Bucket=DESTINATION, Key="k")["Metadata"][SEQUENCER_METADATA] == "0A"


def test_a_newer_rejection_landing_during_processing_is_not_removed(
    s3: S3Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A valid older version keeps its output, but a newer version's report written meanwhile
    is neither overwritten nor deleted by it."""
    s3.put_object(Bucket=SOURCE, Key="k", Body=b"a|b\n1\n")
    handler.handle(event_for("k", sequencer="01"), CONTEXT)
    s3.put_object(Bucket=SOURCE, Key="k", Body=SAMPLE)

    def newer_report_first() -> None:
        s3.put_object(
            Bucket=DESTINATION,
            Key="_rejected/k.json",
            Body=b"{}",
            Metadata={SEQUENCER_METADATA: "0F"},
        )

    meanwhile(monkeypatch, newer_report_first)
    handler.handle(event_for("k", sequencer="05"), CONTEXT)
    assert read(s3, "_rejected/k.json") == b"{}"


def test_a_key_too_long_for_its_report_key_gets_a_report_named_by_its_hash(
    s3: S3Client,
) -> None:
    """S3 keys hold 1,024 bytes: `_rejected/<key>.json` of a 1,024-byte key cannot exist."""
    key = "k/" + "x" * 1018 + ".txt"
    assert len(key.encode()) == 1024
    s3.put_object(Bucket=SOURCE, Key=key, Body=b"a|b\n1|x\n")
    assert handler.handle(event_for(key), CONTEXT)["outcome"] == "rejected"
    digest = hashlib.sha256(key.encode()).hexdigest()
    report = json.loads(read(s3, f"_rejected/sha256/{digest}.json"))
    assert (report["source_key"], report["error_code"]) == (key, "INVALID_NUMBER")
