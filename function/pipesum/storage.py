"""S3 reads and writes of the function: the only module that talks to S3."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

REJECTED_PREFIX = "_rejected/"
SEQUENCER_METADATA = "source-sequencer"
_NOT_FOUND = {"404", "NoSuchKey", "NotFound", "NoSuchVersion"}


@dataclass(frozen=True)
class SourceObject:
    key: str
    size: int
    etag: str | None
    version_id: str | None


def _is_not_found(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code", "") in _NOT_FOUND


class Storage:
    def __init__(self, s3: S3Client, *, destination_bucket: str) -> None:
        self._s3 = s3
        self._destination = destination_bucket

    def locate_source(self, bucket: str, key: str, version_id: str | None) -> SourceObject | None:
        """The source object named by an event, or None when it no longer exists.

        Reports disagree on whether EventBridge URL-encodes keys, so a key that is not found as
        given is looked up once more URL-decoded (as S3's direct notifications encode it).
        """
        candidates = [key]
        if unquote_plus(key) != key:
            candidates.append(unquote_plus(key))
        for candidate in candidates:
            try:
                head = self._s3.head_object(Bucket=bucket, Key=candidate, **_version(version_id))
            except ClientError as error:
                if _is_not_found(error):
                    continue
                raise
            return SourceObject(
                key=candidate,
                size=head["ContentLength"],
                etag=head.get("ETag", "").strip('"') or None,
                version_id=head.get("VersionId") or version_id,
            )
        return None

    def read_source(self, bucket: str, source: SourceObject) -> bytes:
        # An IfMatch on the ETag refuses a body that changed after locate_source looked at it.
        kwargs = _version(source.version_id) | ({"IfMatch": source.etag} if source.etag else {})
        response = self._s3.get_object(Bucket=bucket, Key=source.key, **kwargs)
        return response["Body"].read()

    def recorded_sequencers(self, key: str) -> list[str]:
        """Sequencers of the events that produced the destination's current output and report."""
        recorded = []
        for candidate in (key, rejection_key(key)):
            try:
                head = self._s3.head_object(Bucket=self._destination, Key=candidate)
            except ClientError as error:
                if _is_not_found(error):
                    continue
                raise
            value = head.get("Metadata", {}).get(SEQUENCER_METADATA)
            if value:
                recorded.append(value)
        return recorded

    def write_output(self, key: str, body: bytes, *, metadata: dict[str, str]) -> None:
        self._s3.put_object(
            Bucket=self._destination,
            Key=key,
            Body=body,
            ContentType="text/plain; charset=utf-8",
            Metadata=metadata,
        )

    def write_rejection(self, key: str, report: bytes, *, metadata: dict[str, str]) -> None:
        self._s3.put_object(
            Bucket=self._destination,
            Key=rejection_key(key),
            Body=report,
            ContentType="application/json",
            Metadata=metadata,
        )

    def remove_rejection(self, key: str) -> None:
        """Delete a stale rejection report of `key`; deleting a missing one is not an error."""
        self._s3.delete_object(Bucket=self._destination, Key=rejection_key(key))


def rejection_key(key: str) -> str:
    return f"{REJECTED_PREFIX}{key}.json"


def _version(version_id: str | None) -> dict[str, Any]:
    return {"VersionId": version_id} if version_id else {}
