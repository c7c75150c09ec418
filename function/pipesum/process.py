"""What happens to one Object Created event: the pipeline's decisions, with S3 behind Storage."""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from pipesum.config import Settings
from pipesum.events import ObjectCreated
from pipesum.faults import inject
from pipesum.ordering import is_superseded
from pipesum.rejection import InputRejected, rejection_report
from pipesum.storage import (
    SEQUENCER_METADATA,
    DestinationState,
    SourceObject,
    Storage,
    WriteConflict,
    rejection_key,
)
from pipesum.transform import SumParser

OutcomeKind = Literal["written", "rejected", "superseded", "source_missing"]


@dataclass(frozen=True)
class Outcome:
    kind: OutcomeKind
    key: str
    details: dict[str, object] = field(default_factory=dict)


#: Writes tried before giving up to the retries: each conflict means a concurrent event wrote.
MAX_WRITE_ATTEMPTS = 3


def process(
    event: ObjectCreated,
    *,
    storage: Storage,
    settings: Settings,
    now: Callable[[], datetime.datetime],
) -> Outcome:
    """Write the output (or the rejection report) for the object the event names.

    Input the contract refuses is an outcome, not an error; anything else raises so that the
    infrastructure's retries and failure destinations take over. Every write is conditional on
    the destination being as it was when the event's order was checked: when another event's
    write comes first, the order is checked again and the write retried, or given up as
    superseded.
    """
    source = storage.locate_source(event.bucket, event.key, event.version_id)
    if source is None:
        return Outcome("source_missing", event.key)
    state = storage.destination_state(source.key)
    if _superseded(event, state):
        return Outcome("superseded", source.key, {"recorded_sequencers": state.sequencers()})

    metadata = {"source-etag": source.etag or "", "source-version-id": source.version_id or ""}
    if event.sequencer is not None:
        metadata[SEQUENCER_METADATA] = event.sequencer

    copy = source.size >= storage.tuning.copy_threshold_bytes
    original = b""
    rejected: InputRejected | None = None
    appended = b""
    try:
        # The size checks need no bytes: an empty or too large file is rejected unread.
        parser = SumParser(size=source.size, max_bytes=settings.max_input_bytes)
        if copy:
            appended = _read_rows(parser, storage, event.bucket, source)
        else:
            original = storage.read_source(event.bucket, source)
            parser.feed(original)
            appended = parser.result().appended(ends_with_line_feed=original.endswith(b"\n"))
    except InputRejected as refused:
        rejected = refused
    inject("read", etag=source.etag)

    for attempt in range(1, MAX_WRITE_ATTEMPTS + 1):
        try:
            if rejected is not None:
                return _reject(event, source, rejected, storage, state, metadata, now)
            return _write(event, source, original, appended, copy, storage, state, metadata)
        except WriteConflict:
            if attempt == MAX_WRITE_ATTEMPTS:
                raise
        state = storage.destination_state(source.key)
        if _superseded(event, state):
            return Outcome(
                "superseded",
                source.key,
                {"recorded_sequencers": state.sequencers(), "write_conflicts": attempt},
            )
    raise AssertionError("unreachable: the last attempt returns or raises")


def _superseded(event: ObjectCreated, state: DestinationState) -> bool:
    if event.sequencer is None:
        return False
    return any(is_superseded(event.sequencer, by=newer) for newer in state.sequencers())


def _reject(
    event: ObjectCreated,
    source: SourceObject,
    rejected: InputRejected,
    storage: Storage,
    state: DestinationState,
    metadata: dict[str, str],
    now: Callable[[], datetime.datetime],
) -> Outcome:
    report = rejection_report(
        rejected,
        source_bucket=event.bucket,
        source_key=source.key,
        source_version_id=source.version_id,
        source_etag=source.etag,
        rejected_at=now(),
    )
    storage.write_rejection(source.key, report, metadata=metadata, expected=state.report)
    return Outcome(
        "rejected",
        source.key,
        {
            "error_code": str(rejected.code),
            "reason": rejected.message,
            "report_key": rejection_key(source.key),
        },
    )


def _write(
    event: ObjectCreated,
    source: SourceObject,
    original: bytes,
    appended: bytes,
    copy: bool,
    storage: Storage,
    state: DestinationState,
    metadata: dict[str, str],
) -> Outcome:
    written: dict[str, object]
    if copy:
        parts = storage.write_output_by_copy(
            source.key,
            source_bucket=event.bucket,
            source=source,
            appended=appended,
            metadata=metadata,
            expected=state.output,
        )
        written = {"write": "multipart_copy", "parts": parts}
    else:
        storage.write_output(
            source.key,
            original + appended,
            metadata=metadata,
            expected=state.output,
            source_etag=source.etag,
        )
        written = {"write": "put"}
    if state.report is not None:
        # The report was older than this event (else it would be superseded); a report that
        # changed since belongs to a concurrent event and is left to it.
        with contextlib.suppress(WriteConflict):
            storage.remove_rejection(source.key, expected=state.report)
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
