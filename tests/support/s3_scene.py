"""The function's S3 calls against moto, with both buckets as deployed (versioned, SSE-KMS by
default): events dropped, handled in-process by `process`, every request counted by operation.

One thing moto does not do is added, as S3 documents it: a CopyObject whose
`x-amz-copy-source-if-match` no longer holds is refused with 412 PreconditionFailed (moto 5.2.5
copies anyway). The function's marks of outputs rely on it.
"""

from __future__ import annotations

import datetime
import hashlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

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
    #: Run once, just before the function's next CopyObject is sent (a concurrent event's write).
    before_next_copy: list[Callable[[], object]] = field(default_factory=list)

    def drop(
        self, key: str, body: bytes, *, sequencer: str = "0A", pinned: bool = False
    ) -> ObjectCreated:
        """Upload `body` to the source and return the event S3 sends for it: without a version
        id (as MiniStack sends it) unless `pinned`, as AWS sends it."""
        put = self.s3.put_object(Bucket=SOURCE, Key=key, Body=body)
        version_id = put["VersionId"] if pinned else None
        return event_for(key, size=len(body), sequencer=sequencer, version_id=version_id)

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

    def place(self, key: str, body: bytes, *, sequencer: str) -> None:
        """Put `body` under `key` in the destination, as another event's write would."""
        self.s3.put_object(
            Bucket=DESTINATION, Key=key, Body=body, Metadata={SEQUENCER_METADATA: sequencer}
        )

    def output(self, key: str) -> bytes:
        return self.s3.get_object(Bucket=DESTINATION, Key=key)["Body"].read()

    def metadata(self, key: str) -> dict[str, str]:
        return self.s3.head_object(Bucket=DESTINATION, Key=key)["Metadata"]

    def destination_keys(self) -> list[str]:
        listed = self.s3.list_objects_v2(Bucket=DESTINATION).get("Contents", [])
        return sorted(item["Key"] for item in listed)


def event_for(
    key: str, *, size: int, sequencer: str, version_id: str | None = None
) -> ObjectCreated:
    return ObjectCreated(
        bucket=SOURCE,
        key=key,
        size=size,
        version_id=version_id,
        sequencer=sequencer,
        event_id="e",
    )


def etag_of(body: bytes) -> str:
    """The ETag S3 gives a single-part upload of `body` without SSE-KMS (and moto always)."""
    return hashlib.md5(body, usedforsecurity=False).hexdigest()


def make_scene(monkeypatch: pytest.MonkeyPatch) -> Iterator[Scene]:
    """The body of a `scene` fixture: `scene = pytest.fixture(make_scene)`."""
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
        scene = Scene(
            s3,
            Storage(function_client, destination_bucket=DESTINATION, tuning=TUNING),
            Counter(),
            [],
        )

        def count(model: Any, **_: Any) -> None:
            scene.requests[model.name] += 1
            scene.order.append(model.name)

        def copy_as_s3_does(model: Any, params: dict[str, Any], **_: Any) -> object:
            if model.name != "CopyObject":
                return None
            while scene.before_next_copy:
                scene.before_next_copy.pop(0)()
            return _copy_source_precondition_failure(s3, params["headers"])

        # Handlers of one event run in the order registered: the refused copy is counted too.
        function_client.meta.events.register("before-call.s3", count)
        function_client.meta.events.register("before-call.s3", copy_as_s3_does)
        yield scene


def _copy_source_precondition_failure(s3: S3Client, headers: dict[str, str]) -> object:
    """S3's answer to a CopyObject whose x-amz-copy-source-if-match no longer holds, else None
    (the request goes on to moto)."""
    expected = headers.get("x-amz-copy-source-if-match")
    if expected is None:
        return None
    bucket, key = unquote(headers["x-amz-copy-source"]).lstrip("/").split("/", 1)
    if s3.head_object(Bucket=bucket, Key=key)["ETag"].strip('"') == expected.strip('"'):
        return None
    error = {
        "Code": "PreconditionFailed",
        "Message": "At least one of the pre-conditions you specified did not hold",
    }
    return SimpleNamespace(status_code=412), {
        "Error": error,
        "ResponseMetadata": {"HTTPStatusCode": 412},
    }
