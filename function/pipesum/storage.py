"""S3 reads and writes of the function: the only module that talks to S3.

A source under the copy threshold is located and read by one GetObject (`fetch_source`); a
larger one is located by HeadObject and read in bounded ranged reads, never more than a read
asks for, even from a store that ignores the range and answers with the whole object. The
output is written either as one
PutObject (a small source: its bytes plus the appended row) or, from `copy_threshold_bytes` on,
as a multipart upload whose parts copy the source's byte ranges inside S3 and whose last part is
the appended row, so that a large source never passes through the function.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

from botocore.exceptions import BotoCoreError, ClientError

from pipesum.byte_ranges import copy_ranges, read_ranges
from pipesum.tuning import Tuning

if TYPE_CHECKING:
    from botocore.response import StreamingBody
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import CompletedPartTypeDef, CopySourceTypeDef

REJECTED_PREFIX = "_rejected/"
SEQUENCER_METADATA = "source-sequencer"
#: On an output: a rejection report of its key may exist (see `Storage.mark_output`).
REPORT_MARK_METADATA = "rejection-report"
OUTPUT_CONTENT_TYPE = "text/plain; charset=utf-8"
_NOT_FOUND = {"404", "NoSuchKey", "NotFound", "NoSuchVersion"}
# A conditional write or delete lost to a concurrent one: 412, or 409 while both were in flight.
_CONFLICT = {"PreconditionFailed", "412", "ConditionalRequestConflict", "409"}
#: S3's limit on the length of a key, in UTF-8 bytes.
MAX_KEY_BYTES = 1024


class WriteConflict(RuntimeError):
    """The destination key changed since it was read: another event's write came first."""


class UnexpectedAnswer(RuntimeError):
    """A GetObject answered with neither the bytes asked for nor the whole object."""


@dataclass(frozen=True)
class SourceObject:
    key: str
    size: int
    etag: str | None
    version_id: str | None


@dataclass(frozen=True)
class DestinationObject:
    """An output or rejection report as found or written: its ETag, the sequencer that produced
    it and its object metadata."""

    etag: str
    sequencer: str | None
    metadata: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def marked(self) -> bool:
        """An output marked as having a rejection report beside it (`Storage.mark_output`)."""
        return REPORT_MARK_METADATA in self.metadata


def _is_not_found(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code", "") in _NOT_FOUND


def _is_conflict(error: ClientError) -> bool:
    return error.response.get("Error", {}).get("Code", "") in _CONFLICT


def _unless_changed(expected: DestinationObject | None) -> dict[str, Any]:
    """Arguments that make a write fail if the key no longer holds `expected` (or now exists)."""
    return {"IfMatch": expected.etag} if expected is not None else {"IfNoneMatch": "*"}


class Storage:
    def __init__(self, s3: S3Client, *, destination_bucket: str, tuning: Tuning) -> None:
        self._s3 = s3
        self._destination = destination_bucket
        self.tuning = tuning

    def locate_source(self, bucket: str, key: str, version_id: str | None) -> SourceObject | None:
        """The source object named by an event, or None when it no longer exists.

        A key that is not found as given is looked up once more URL-decoded (`_key_candidates`).
        """
        for candidate in _key_candidates(key):
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

    def fetch_source(
        self, bucket: str, key: str, version_id: str | None, *, read_below: int
    ) -> tuple[SourceObject, bytes | None] | None:
        """The source object named by an event and, if it is under `read_below` bytes, its bytes.

        One GetObject instead of a HeadObject and a GetObject: the answer's headers locate the
        object and its body is its bytes, both of the one version answered. A larger object's
        body is closed unread (None): one request, as its HeadObject would be. Keys are looked up
        in both encodings, as by `locate_source`; None when the object no longer exists.
        """
        for candidate in _key_candidates(key):
            try:
                response = self._s3.get_object(Bucket=bucket, Key=candidate, **_version(version_id))
            except ClientError as error:
                if _is_not_found(error):
                    continue
                raise
            source = SourceObject(
                key=candidate,
                size=response["ContentLength"],
                etag=response.get("ETag", "").strip('"') or None,
                version_id=response.get("VersionId") or version_id,
            )
            with contextlib.closing(response["Body"]) as body:
                if source.size >= read_below:
                    return source, None
                return source, _read_exactly(body, source.size, candidate)
        return None

    def read_source_range(self, bucket: str, source: SourceObject, first: int, last: int) -> bytes:
        """Bytes `first` to `last` (inclusive) of the source object, whatever the store answers."""
        body, _ = self._open_range(bucket, source, first, last)
        with contextlib.closing(body):
            return _read_exactly(body, last - first + 1, source.key)

    def source_chunks(self, bucket: str, source: SourceObject) -> Generator[bytes, None, None]:
        """The source object from its first byte, one bounded ranged read per chunk.

        The first read is small and each next one twice as large, up to read_chunk_bytes: a
        short line 2 costs one small read, a huge one few requests. Stop iterating (or close
        the generator) to stop reading. When the store answers a read with the whole object,
        the next chunks are read on from that answer, in the same sizes, rather than asked for
        (and sent whole) again.
        """
        ranges = read_ranges(source.size, *self.tuning.read_sizes())
        for first, last in ranges:
            body, rest_follows = self._open_range(bucket, source, first, last)
            with contextlib.closing(body):
                if rest_follows:
                    for start, end in itertools.chain([(first, last)], ranges):
                        yield _read_exactly(body, end - start + 1, source.key)
                    return
                chunk = _read_exactly(body, last - first + 1, source.key)
            yield chunk

    def _open_range(
        self, bucket: str, source: SourceObject, first: int, last: int
    ) -> tuple[StreamingBody, bool]:
        """A GetObject of bytes `first` to `last`: its body, at `first`, and whether more follows.

        S3 answers 206 with the range. A store that ignores the range answers 200 with the whole
        object (MiniStack 1.5.33 does when the read names a version): its bytes before `first`
        are then skipped in reads of at most read_chunk_bytes, and the caller reads on only as
        far as it needs. Any other answer is refused (UnexpectedAnswer).
        """
        response = self._s3.get_object(
            Bucket=bucket, Key=source.key, Range=f"bytes={first}-{last}", **_exactly(source)
        )
        body = response["Body"]
        status = response["ResponseMetadata"]["HTTPStatusCode"]
        content_range = response.get("ContentRange")
        length = response.get("ContentLength")
        if status == 206 and content_range == f"bytes {first}-{last}/{source.size}":
            return body, False
        if status == 200 and not content_range and length == source.size:
            try:
                _skip(body, first, self.tuning.read_chunk_bytes, source.key)
            except BaseException:
                body.close()
                raise
            return body, True
        body.close()
        raise UnexpectedAnswer(
            f"GetObject of {source.key!r} asked for bytes {first}-{last} of {source.size} and "
            f"was answered {status} with Content-Range {content_range or 'none'} and "
            f"{length} bytes: neither that range nor the whole object"
        )

    def output_state(self, key: str) -> DestinationObject | None:
        """The output the destination holds for `key` now, or None."""
        return self._head_destination(key)

    def report_state(self, key: str) -> DestinationObject | None:
        """The rejection report the destination holds for `key` now, or None."""
        return self._head_destination(rejection_key(key))

    def _head_destination(self, key: str) -> DestinationObject | None:
        try:
            head = self._s3.head_object(Bucket=self._destination, Key=key)
        except ClientError as error:
            if _is_not_found(error):
                return None
            raise
        metadata = head.get("Metadata", {})
        return DestinationObject(head["ETag"], metadata.get(SEQUENCER_METADATA) or None, metadata)

    def write_output(
        self,
        key: str,
        body: bytes,
        *,
        metadata: dict[str, str],
        expected: DestinationObject | None,
    ) -> DestinationObject:
        """One PutObject of the output, refused (WriteConflict) if the key changed meanwhile."""
        with _conflicts_raised(key):
            written = self._s3.put_object(
                Bucket=self._destination,
                Key=key,
                Body=body,
                ContentType=OUTPUT_CONTENT_TYPE,
                Metadata=metadata,
                **_unless_changed(expected),
            )
        return _written(written["ETag"], metadata)

    def mark_output(self, key: str, output: DestinationObject) -> DestinationObject:
        """Record on the output that a rejection report of its key may exist: the same bytes,
        copied onto themselves inside S3 with the mark added to their metadata, refused
        (WriteConflict) if the output is no longer `output`.

        The mark lets the writer of the next version learn from the output's HeadObject alone
        whether a report must be looked up.
        """
        metadata = with_report_mark(output.metadata)
        with _conflicts_raised(key):
            copied = self._s3.copy_object(
                Bucket=self._destination,
                Key=key,
                CopySource={"Bucket": self._destination, "Key": key},
                CopySourceIfMatch=output.etag,
                IfMatch=output.etag,
                MetadataDirective="REPLACE",
                Metadata=metadata,
                ContentType=OUTPUT_CONTENT_TYPE,
            )
        return _written(copied["CopyObjectResult"]["ETag"], metadata)

    def write_output_by_copy(
        self,
        key: str,
        *,
        source_bucket: str,
        source: SourceObject,
        appended: bytes,
        metadata: dict[str, str],
        expected: DestinationObject | None,
    ) -> DestinationObject:
        """Write the source object followed by `appended`, copying the source inside S3.

        A multipart upload: UploadPartCopy of the source's byte ranges (each at most
        copy_part_bytes), pinned to the version and ETag that were read, then `appended` as the
        last part, completed only if the key still holds `expected` (else WriteConflict). Any
        failure aborts the upload, so no part is left behind, and is raised. Uploads of the key
        that an earlier, killed attempt left open are aborted first.
        """
        self.abort_open_uploads(key)
        ranges = copy_ranges(source.size, self.tuning.copy_part_bytes)
        copy_source: CopySourceTypeDef = {"Bucket": source_bucket, "Key": source.key}
        if source.version_id:
            copy_source["VersionId"] = source.version_id
        # A replaced object has another ETag: S3 refuses to copy it, so the output can never
        # mix the bytes of two versions (the version id does the same on a versioned bucket).
        if_match: dict[str, Any] = {"CopySourceIfMatch": source.etag} if source.etag else {}
        upload_id = self._s3.create_multipart_upload(
            Bucket=self._destination,
            Key=key,
            ContentType=OUTPUT_CONTENT_TYPE,
            Metadata=metadata,
        )["UploadId"]
        try:
            parts: list[CompletedPartTypeDef] = []
            for number, (first, last) in enumerate(ranges, start=1):
                etag = self._copy_part(
                    key,
                    upload_id,
                    number,
                    copy_source=copy_source,
                    byte_range=f"bytes={first}-{last}",
                    if_match=if_match,
                )
                parts.append({"PartNumber": number, "ETag": etag})
            number = len(parts) + 1
            uploaded = self._s3.upload_part(
                Bucket=self._destination,
                Key=key,
                UploadId=upload_id,
                PartNumber=number,
                Body=appended,
            )
            parts.append({"PartNumber": number, "ETag": uploaded["ETag"]})
            with _conflicts_raised(key):
                completed = self._s3.complete_multipart_upload(
                    Bucket=self._destination,
                    Key=key,
                    UploadId=upload_id,
                    MultipartUpload={"Parts": parts},
                    **_unless_changed(expected),
                )
        except BaseException:
            # The error that stopped the upload is the one to raise; a failed abort is left to
            # the bucket's lifecycle rule for incomplete multipart uploads.
            with contextlib.suppress(ClientError, BotoCoreError):
                self._s3.abort_multipart_upload(
                    Bucket=self._destination, Key=key, UploadId=upload_id
                )
            raise
        return _written(completed["ETag"], metadata)

    def _copy_part(
        self,
        key: str,
        upload_id: str,
        number: int,
        *,
        copy_source: CopySourceTypeDef,
        byte_range: str,
        if_match: dict[str, Any],
    ) -> str:
        """One UploadPartCopy of `byte_range` of the source into part `number`; its ETag."""
        copied = self._s3.upload_part_copy(
            Bucket=self._destination,
            Key=key,
            UploadId=upload_id,
            PartNumber=number,
            CopySource=copy_source,
            CopySourceRange=byte_range,
            **if_match,
        )
        return copied["CopyPartResult"]["ETag"]

    def abort_open_uploads(self, key: str) -> int:
        """Abort the multipart uploads of exactly `key` still open; returns how many."""
        aborted = 0
        pages = self._s3.get_paginator("list_multipart_uploads").paginate(
            Bucket=self._destination, Prefix=key
        )
        for page in pages:
            for upload in page.get("Uploads", []):
                if upload.get("Key") != key:
                    continue
                with contextlib.suppress(ClientError):  # already completed or aborted
                    self._s3.abort_multipart_upload(
                        Bucket=self._destination, Key=key, UploadId=upload["UploadId"]
                    )
                    aborted += 1
        return aborted

    def write_rejection(
        self,
        key: str,
        report: bytes,
        *,
        metadata: dict[str, str],
        expected: DestinationObject | None,
    ) -> DestinationObject:
        """Write the rejection report of `key`, refused (WriteConflict) if it changed meanwhile."""
        with _conflicts_raised(rejection_key(key)):
            written = self._s3.put_object(
                Bucket=self._destination,
                Key=rejection_key(key),
                Body=report,
                ContentType="application/json",
                Metadata=metadata,
                **_unless_changed(expected),
            )
        return _written(written["ETag"], metadata)

    def remove_rejection(self, key: str, *, expected: DestinationObject) -> None:
        """Delete the rejection report of `key` if it is still `expected` (else WriteConflict)."""
        with _conflicts_raised(rejection_key(key)):
            try:
                self._s3.delete_object(
                    Bucket=self._destination, Key=rejection_key(key), IfMatch=expected.etag
                )
            except ClientError as error:
                if not _is_not_found(error):
                    raise


@contextlib.contextmanager
def _conflicts_raised(key: str) -> Iterator[None]:
    try:
        yield
    except ClientError as error:
        if _is_conflict(error):
            raise WriteConflict(f"{key!r} changed while this event was processed") from error
        raise


def with_report_mark(metadata: dict[str, str]) -> dict[str, str]:
    """An output's metadata with the mark that a rejection report of its key may exist."""
    return {**metadata, REPORT_MARK_METADATA: "may-exist"}


def _written(etag: str, metadata: dict[str, str]) -> DestinationObject:
    return DestinationObject(etag, metadata.get(SEQUENCER_METADATA) or None, metadata)


def rejection_key(key: str) -> str:
    """Where the rejection report of `key` goes: `_rejected/<key>.json`.

    A key too long for that (S3 keys hold at most 1,024 bytes) gets its report under the
    SHA-256 of the key instead; the report itself names the key.
    """
    report = f"{REJECTED_PREFIX}{key}.json"
    if len(report.encode()) <= MAX_KEY_BYTES:
        return report
    return f"{REJECTED_PREFIX}sha256/{hashlib.sha256(key.encode()).hexdigest()}.json"


def _read_exactly(body: StreamingBody, count: int, key: str) -> bytes:
    """The next `count` bytes of `body`, never more: the body may go on past them."""
    parts = []
    remaining = count
    while remaining:
        data = body.read(remaining)
        if not data:
            raise UnexpectedAnswer(f"the body of {key!r} ended {remaining} bytes early")
        parts.append(data)
        remaining -= len(data)
    return b"".join(parts)


def _skip(body: StreamingBody, count: int, bound: int, key: str) -> None:
    """Read and drop the next `count` bytes of `body`, at most `bound` bytes at a time."""
    while count:
        count -= len(_read_exactly(body, min(count, bound), key))


def _key_candidates(key: str) -> list[str]:
    """The key as the event gives it, then URL-decoded if that differs.

    Reports disagree on whether EventBridge URL-encodes keys, as S3's direct notifications do.
    """
    decoded = unquote_plus(key)
    return [key] if decoded == key else [key, decoded]


def _version(version_id: str | None) -> dict[str, Any]:
    return {"VersionId": version_id} if version_id else {}


def _exactly(source: SourceObject) -> dict[str, Any]:
    """Arguments that read the version located, and refuse a body that changed since (IfMatch)."""
    return _version(source.version_id) | ({"IfMatch": source.etag} if source.etag else {})
