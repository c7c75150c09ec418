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
    the destination being as this event last found or assumed it: when another event's write
    comes first, the order is checked again and the write retried, or given up as superseded.

    A source under the copy threshold costs one GetObject, which also locates it; a valid one is
    then written on the assumption that its key is new (IfNoneMatch), so that a new key costs
    three requests: the GetObject, a HeadObject of the rejection report, the PutObject. A key
    whose output exists costs that write's refusal and a HeadObject of the output on top.
    """
    threshold = storage.tuning.copy_threshold_bytes
    fetched: tuple[SourceObject, bytes | None] | None
    if event.size is not None and event.size >= threshold:
        located = storage.locate_source(event.bucket, event.key, event.version_id)
        fetched = None if located is None else (located, None)
    else:
        # The event's size may be stale (a key replaced since): the answer's size decides.
        read_below = min(threshold, settings.max_input_bytes + 1)
        fetched = storage.fetch_source(
            event.bucket, event.key, event.version_id, read_below=read_below
        )
    if fetched is None:
        return Outcome("source_missing", event.key)
    source, original = fetched

    metadata = {"source-etag": source.etag or "", "source-version-id": source.version_id or ""}
    if event.sequencer is not None:
        metadata[SEQUENCER_METADATA] = event.sequencer
    if original is None:
        return _process_unread(event, source, storage, settings, metadata, now)

    try:
        parser = SumParser(size=source.size, max_bytes=settings.max_input_bytes)
        parser.feed(original)
        appended = parser.result().appended(ends_with_line_feed=original.endswith(b"\n"))
    except InputRejected as refused:
        rejected = refused
        inject("read", etag=source.etag)
        state = storage.destination_state(source.key)
        return _settle(
            event,
            source.key,
            state,
            lambda state: _reject(event, source, rejected, storage, state, metadata, now),
            lambda _: storage.destination_state(source.key),
        )
    inject("read", etag=source.etag)
    # Assumed new: the first write is refused if an output exists, and only then is it read.
    state = DestinationState(output=None, report=storage.report_state(source.key))
    return _settle(
        event,
        source.key,
        state,
        lambda state: _write(event, source, original, appended, False, storage, state, metadata),
        lambda known: DestinationState(storage.output_state(source.key), known.report),
    )


def _process_unread(
    event: ObjectCreated,
    source: SourceObject,
    storage: Storage,
    settings: Settings,
    metadata: dict[str, str],
    now: Callable[[], datetime.datetime],
) -> Outcome:
    """A source not read whole: at or over the copy threshold, or over the size limit."""
    state = storage.destination_state(source.key)
    if _superseded(event, state):
        return Outcome("superseded", source.key, {"recorded_sequencers": state.sequencers()})
    rejected: InputRejected | None = None
    appended = b""
    try:
        # The size checks need no bytes: an empty or too large file is rejected unread.
        parser = SumParser(size=source.size, max_bytes=settings.max_input_bytes)
        appended = _read_rows(parser, storage, event.bucket, source)
    except InputRejected as refused:
        rejected = refused
    inject("read", etag=source.etag)

    def attempt(state: DestinationState) -> Outcome:
        if rejected is not None:
            return _reject(event, source, rejected, storage, state, metadata, now)
        return _write(event, source, b"", appended, True, storage, state, metadata)

    return _settle(
        event, source.key, state, attempt, lambda _: storage.destination_state(source.key)
    )


def _settle(
    event: ObjectCreated,
    key: str,
    state: DestinationState,
    attempt: Callable[[DestinationState], Outcome],
    reread: Callable[[DestinationState], DestinationState],
) -> Outcome:
    """Write against `state`; after each WriteConflict, `reread` it and write again or give up."""
    if _superseded(event, state):
        return Outcome("superseded", key, {"recorded_sequencers": state.sequencers()})
    for conflicts in range(1, MAX_WRITE_ATTEMPTS + 1):
        try:
            return attempt(state)
        except WriteConflict:
            if conflicts == MAX_WRITE_ATTEMPTS:
                raise
        state = reread(state)
        if _superseded(event, state):
            return Outcome(
                "superseded",
                key,
                {"recorded_sequencers": state.sequencers(), "write_conflicts": conflicts},
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
