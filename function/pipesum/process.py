"""What happens to one Object Created event: the pipeline's decisions, with S3 behind Storage."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from pipesum.config import Settings
from pipesum.events import ObjectCreated
from pipesum.ordering import is_superseded
from pipesum.rejection import InputRejected, rejection_report
from pipesum.storage import SEQUENCER_METADATA, SourceObject, Storage, rejection_key
from pipesum.transform import SumParser

OutcomeKind = Literal["written", "rejected", "superseded", "source_missing"]


@dataclass(frozen=True)
class Outcome:
    kind: OutcomeKind
    key: str
    details: dict[str, object] = field(default_factory=dict)


def process(
    event: ObjectCreated,
    *,
    storage: Storage,
    settings: Settings,
    now: Callable[[], datetime.datetime],
) -> Outcome:
    """Write the output (or the rejection report) for the object the event names.

    Input the contract refuses is an outcome, not an error; anything else raises so that the
    infrastructure's retries and failure destinations take over.
    """
    source = storage.locate_source(event.bucket, event.key, event.version_id)
    if source is None:
        return Outcome("source_missing", event.key)
    if event.sequencer is not None:
        recorded = storage.recorded_sequencers(source.key)
        if any(is_superseded(event.sequencer, by=newer) for newer in recorded):
            return Outcome("superseded", source.key, {"recorded_sequencers": recorded})

    metadata = {"source-etag": source.etag or "", "source-version-id": source.version_id or ""}
    if event.sequencer is not None:
        metadata[SEQUENCER_METADATA] = event.sequencer

    copy = source.size >= storage.tuning.copy_threshold_bytes
    try:
        # The size checks need no bytes: an empty or too large file is rejected unread.
        parser = SumParser(size=source.size, max_bytes=settings.max_input_bytes)
        if copy:
            appended = _read_rows(parser, storage, event.bucket, source)
        else:
            original = storage.read_source(event.bucket, source)
            parser.feed(original)
            appended = parser.result().appended(ends_with_line_feed=original.endswith(b"\n"))
    except InputRejected as rejected:
        report = rejection_report(
            rejected,
            source_bucket=event.bucket,
            source_key=source.key,
            source_version_id=source.version_id,
            source_etag=source.etag,
            rejected_at=now(),
        )
        storage.write_rejection(source.key, report, metadata=metadata)
        return Outcome(
            "rejected",
            source.key,
            {
                "error_code": str(rejected.code),
                "reason": rejected.message,
                "report_key": rejection_key(source.key),
            },
        )

    if copy:
        parts = storage.write_output_by_copy(
            source.key,
            source_bucket=event.bucket,
            source=source,
            appended=appended,
            metadata=metadata,
        )
        written = {"write": "multipart_copy", "parts": parts}
    else:
        storage.write_output(source.key, original + appended, metadata=metadata)
        written = {"write": "put"}
    storage.remove_rejection(source.key)
    return Outcome("written", source.key, {"bytes": source.size + len(appended), **written})


def _read_rows(parser: SumParser, storage: Storage, bucket: str, source: SourceObject) -> bytes:
    """Feed the parser ranged reads until lines 1 and 2 are read; return the appended bytes.

    Whether the file already ends with a line break is the one thing needed from its end: one
    more ranged read of the last byte, unless the reads reached it.
    """
    for chunk in storage.source_chunks(bucket, source):
        if not parser.feed(chunk):
            break
    row = parser.result()
    ends = parser.ends_with_line_feed
    if ends is None:
        last = source.size - 1
        ends = storage.read_source_range(bucket, source, last, last) == b"\n"
    return row.appended(ends_with_line_feed=ends)
