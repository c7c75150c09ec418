"""S3 requests per event, by path, pinned: a path that makes one more request fails here.

The function runs against moto with both buckets as deployed (versioned, SSE-KMS by default) and
its client's requests are counted with botocore's `before-call.s3` hook, by operation. Events are
as S3 sends them: the object's size and sequencer, no version id (as MiniStack sends them).
"""

from __future__ import annotations

import datetime
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3
import moto.s3.models
import pytest
from moto import mock_aws

from pipesum.config import Settings
from pipesum.events import ObjectCreated
from pipesum.process import Outcome, process
from pipesum.storage import SEQUENCER_METADATA, Storage
from pipesum.tuning import Tuning

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

SOURCE = "pipesum-test-source"
DESTINATION = "pipesum-test-destination"
SAMPLE = b"sbx|dev|tst|prd|srd\n7101|3501|0862|4284|7437\n"
OUTPUT = SAMPLE + b"23185\n"
INVALID = b"a|b\n1|x\n"
SETTINGS = Settings(source_bucket=SOURCE, destination_bucket=DESTINATION, max_input_bytes=1000)
#: A file at the copy threshold (lowered, with moto's minimum part size, to keep tests small).
LARGE = b"a|b\n1|2\n" + b"z" * 40
TUNING = Tuning(copy_threshold_bytes=len(LARGE), copy_part_bytes=len(LARGE))


@dataclass
class Scene:
    s3: S3Client
    storage: Storage
    requests: Counter[str]
    #: The operations of the last event handled, in the order they were made.
    order: list[str]

    def drop(self, key: str, body: bytes, *, sequencer: str = "0A") -> ObjectCreated:
        """Upload `body` to the source and return the event S3 sends for it."""
        self.s3.put_object(Bucket=SOURCE, Key=key, Body=body)
        return event_for(key, size=len(body), sequencer=sequencer)

    def handle(
        self, event: ObjectCreated, settings: Settings = SETTINGS
    ) -> tuple[Outcome, Counter[str]]:
        """Process `event`; its outcome and the S3 requests it made, by operation."""
        self.requests.clear()
        self.order.clear()
        outcome = process(
            event,
            storage=self.storage,
            settings=settings,
            now=lambda: datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
        )
        return outcome, Counter(self.requests)

    def output(self, key: str) -> bytes:
        return self.s3.get_object(Bucket=DESTINATION, Key=key)["Body"].read()

    def destination_keys(self) -> list[str]:
        listed = self.s3.list_objects_v2(Bucket=DESTINATION).get("Contents", [])
        return sorted(item["Key"] for item in listed)


def event_for(key: str, *, size: int, sequencer: str) -> ObjectCreated:
    return ObjectCreated(
        bucket=SOURCE,
        key=key,
        size=size,
        version_id=None,
        sequencer=sequencer,
        event_id="e",
    )


@pytest.fixture
def scene(monkeypatch: pytest.MonkeyPatch) -> Iterator[Scene]:
    monkeypatch.setattr(moto.s3.models, "S3_UPLOAD_PART_MIN_SIZE", 1)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        s3: S3Client = boto3.client("s3")
        key_id = boto3.client("kms").create_key()["KeyMetadata"]["KeyId"]
        for bucket in (SOURCE, DESTINATION):
            s3.create_bucket(Bucket=bucket)
            s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
            s3.put_bucket_encryption(
                Bucket=bucket,
                ServerSideEncryptionConfiguration={
                    "Rules": [
                        {
                            "ApplyServerSideEncryptionByDefault": {
                                "SSEAlgorithm": "aws:kms",
                                "KMSMasterKeyID": key_id,
                            }
                        }
                    ]
                },
            )
        function_client = boto3.client("s3")
        requests: Counter[str] = Counter()
        order: list[str] = []

        def count(model: Any, **_: Any) -> None:
            requests[model.name] += 1
            order.append(model.name)

        function_client.meta.events.register("before-call.s3", count)
        storage = Storage(function_client, destination_bucket=DESTINATION, tuning=TUNING)
        yield Scene(s3, storage, requests, order)


def test_a_new_key_costs_a_get_a_head_of_the_report_and_a_put(scene: Scene) -> None:
    outcome, requests = scene.handle(scene.drop("k", SAMPLE))
    assert outcome.kind == "written"
    assert scene.output("k") == OUTPUT
    assert requests == Counter(GetObject=1, HeadObject=1, PutObject=1)
    assert scene.order == ["GetObject", "PutObject", "HeadObject"]


def test_a_new_version_of_a_key_with_an_output_costs_a_refused_put_and_a_head_more(
    scene: Scene,
) -> None:
    """Five, not the four of issue 16: see docs/benchmarks.md on why four needs the rejection
    path to write a new output version each time it reports beside an output."""
    scene.handle(scene.drop("k", b"a|b\n1|2\n"))
    outcome, requests = scene.handle(scene.drop("k", SAMPLE, sequencer="0B"))
    assert outcome.kind == "written"
    assert scene.output("k") == OUTPUT
    assert requests == Counter(GetObject=1, HeadObject=2, PutObject=2)
    assert scene.order == ["GetObject", "PutObject", "HeadObject", "PutObject", "HeadObject"]


def test_a_valid_version_after_a_rejected_one_removes_its_report_in_one_delete(
    scene: Scene,
) -> None:
    scene.handle(scene.drop("k", INVALID))
    outcome, requests = scene.handle(scene.drop("k", SAMPLE, sequencer="0B"))
    assert outcome.kind == "written"
    assert scene.destination_keys() == ["k"]
    assert requests == Counter(GetObject=1, HeadObject=1, PutObject=1, DeleteObject=1)


@pytest.mark.parametrize("earlier", [None, SAMPLE], ids=["new-key", "key-with-an-output"])
def test_a_rejected_file_costs_a_get_two_heads_and_the_report(
    scene: Scene, earlier: bytes | None
) -> None:
    if earlier is not None:
        scene.handle(scene.drop("k", earlier))
    outcome, requests = scene.handle(scene.drop("k", INVALID, sequencer="0B"))
    assert outcome.kind == "rejected"
    assert json.loads(scene.output("_rejected/k.json"))["error_code"] == "INVALID_NUMBER"
    assert requests == Counter(GetObject=1, HeadObject=2, PutObject=1)


def test_a_file_over_the_size_limit_is_rejected_unread_in_as_many_requests(
    scene: Scene,
) -> None:
    """Over the size limit but under the copy threshold: the GetObject's body is left unread."""
    limit = Settings(source_bucket=SOURCE, destination_bucket=DESTINATION, max_input_bytes=10)
    outcome, requests = scene.handle(scene.drop("k", SAMPLE), limit)
    assert outcome.kind == "rejected"
    assert requests == Counter(GetObject=1, HeadObject=2, PutObject=1)


def test_a_redelivered_event_is_superseded_after_its_refused_put(scene: Scene) -> None:
    """Its own output found, it still looks for an older report its first delivery left."""
    event = scene.drop("k", SAMPLE)
    scene.handle(event)
    outcome, requests = scene.handle(event)
    assert (outcome.kind, outcome.details["write_conflicts"]) == ("superseded", 1)
    head = scene.s3.head_object(Bucket=DESTINATION, Key="k")
    assert head["Metadata"][SEQUENCER_METADATA] == "0A"
    assert requests == Counter(GetObject=1, HeadObject=2, PutObject=1)


def test_a_redelivered_event_removes_the_older_report_its_first_delivery_left(
    scene: Scene,
) -> None:
    """As when the first delivery was killed between its output and the report's removal."""
    scene.handle(scene.drop("k", INVALID, sequencer="0A"))
    event = scene.drop("k", SAMPLE, sequencer="0B")
    scene.s3.put_object(
        Bucket=DESTINATION, Key="k", Body=OUTPUT, Metadata={SEQUENCER_METADATA: "0B"}
    )
    outcome, requests = scene.handle(event)
    assert outcome.kind == "superseded"
    assert scene.destination_keys() == ["k"]
    assert requests == Counter(GetObject=1, PutObject=1, HeadObject=2, DeleteObject=1)


def test_a_late_event_stops_at_the_newer_output(scene: Scene) -> None:
    """An older event arriving after a newer one's output: the refused put and its reason."""
    late = scene.drop("k", b"a|b\n1|2\n", sequencer="0A")
    scene.handle(scene.drop("k", SAMPLE, sequencer="0B"))
    outcome, requests = scene.handle(late)
    assert (outcome.kind, outcome.details) == (
        "superseded",
        {"recorded_sequencers": ["0B"], "write_conflicts": 1},
    )
    assert scene.output("k") == OUTPUT
    assert requests == Counter(GetObject=1, PutObject=1, HeadObject=1)


def test_a_source_deleted_since_its_event_costs_one_get(scene: Scene) -> None:
    event = scene.drop("k", SAMPLE)
    scene.s3.delete_object(Bucket=SOURCE, Key="k")
    outcome, requests = scene.handle(event)
    assert outcome.kind == "source_missing"
    assert requests == Counter(GetObject=1)


def test_a_url_encoded_key_costs_one_get_more(scene: Scene) -> None:
    scene.drop("with space.txt", SAMPLE)
    event = event_for("with+space.txt", size=len(SAMPLE), sequencer="0A")
    outcome, requests = scene.handle(event)
    assert (outcome.kind, outcome.key) == ("written", "with space.txt")
    assert requests == Counter(GetObject=2, HeadObject=1, PutObject=1)


def test_a_large_file_is_located_read_in_ranges_and_copied(scene: Scene) -> None:
    outcome, requests = scene.handle(scene.drop("k", LARGE))
    assert (outcome.kind, outcome.details["write"]) == ("written", "multipart_copy")
    assert scene.output("k") == LARGE + b"\n3\n"
    assert requests == Counter(
        HeadObject=3,
        GetObject=1,  # lines 1 and 2 and the last byte, all in the first ranged read
        ListMultipartUploads=1,
        CreateMultipartUpload=1,
        UploadPartCopy=1,
        UploadPart=1,
        CompleteMultipartUpload=1,
    )
