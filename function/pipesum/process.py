"""What happens to one Object Created event: the pipeline's decisions, with S3 behind Storage.

The event is handled in two steps: the source is read as far as needed and a `Plan` made of it
(the output to put or to copy, or the rejection to report), then the plan is carried out against
the destination, every write conditional on what this event last found there.
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from pipesum.config import Settings
from pipesum.events import ObjectCreated
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


@dataclass(frozen=True)
class Put:
    """The output as one PutObject: the source's bytes and the appended row."""

    body: bytes


@dataclass(frozen=True)
class Copy:
    """The output as a multipart upload copying the source inside S3, then the appended row."""

    appended: bytes


@dataclass(frozen=True)
class Reject:
    """No output: a rejection report saying why."""

    rejected: InputRejected


@dataclass(frozen=True)
class Plan:
    """What one event writes, decided from the source before anything is written."""

    source: SourceObject
    write: Put | Copy | Reject
    #: The object metadata of what is written: the source version and the event's sequencer.
    metadata: dict[str, str]


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
    whose output exists costs that write's refusal and a HeadObject of the output on top. A
    source not read whole (large, or over the size limit) has its order checked before its
    lines are read, so that a late event reads nothing more.
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

    known: DestinationState | None = None
    if original is None:
        known = storage.destination_state(source.key)
        if _superseded(event, known):
            return _superseded_outcome(source.key, known)
    plan = Plan(
        source,
        _decide(source, original, event.bucket, storage, settings),
        _metadata(event, source),
    )
    return _carry_out(plan, event, storage, known, now)


def _decide(
    source: SourceObject,
    original: bytes | None,
    bucket: str,
    storage: Storage,
    settings: Settings,
) -> Put | Copy | Reject:
    """What to write for `source`: its bytes when read whole, else its lines read in ranges."""
    try:
        # The size checks need no bytes: an empty or too large file is rejected unread.
        parser = SumParser(size=source.size, max_bytes=settings.max_input_bytes)
        if original is None:
            return Copy(_read_rows(parser, storage, bucket, source))
        parser.feed(original)
        appended = parser.result().appended(ends_with_line_feed=original.endswith(b"\n"))
    except InputRejected as refused:
        return Reject(refused)
    return Put(original + appended)


def _metadata(event: ObjectCreated, source: SourceObject) -> dict[str, str]:
    metadata = {"source-etag": source.etag or "", "source-version-id": source.version_id or ""}
    if event.sequencer is not None:
        metadata[SEQUENCER_METADATA] = event.sequencer
    return metadata


def _carry_out(
    plan: Plan,
    event: ObjectCreated,
    storage: Storage,
    known: DestinationState | None,
    now: Callable[[], datetime.datetime],
) -> Outcome:
    key = plan.source.key
    if isinstance(plan.write, Put) and known is None:
        # Assumed new: the first write is refused if an output exists, and only then is it read.
        state = DestinationState(output=None, report=storage.report_state(key))
        return _settle(
            event,
            key,
            state,
            lambda state: _write(plan, event, storage, state, now),
            lambda known: DestinationState(storage.output_state(key), known.report),
        )
    return _settle(
        event,
        key,
        storage.destination_state(key) if known is None else known,
        lambda state: _write(plan, event, storage, state, now),
        lambda _: storage.destination_state(key),
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
        return _superseded_outcome(key, state)
    for conflicts in range(1, MAX_WRITE_ATTEMPTS + 1):
        try:
            return attempt(state)
        except WriteConflict:
            if conflicts == MAX_WRITE_ATTEMPTS:
                raise
        state = reread(state)
        if _superseded(event, state):
            return _superseded_outcome(key, state, write_conflicts=conflicts)
    raise AssertionError("unreachable: the last attempt returns or raises")


def _superseded(event: ObjectCreated, state: DestinationState) -> bool:
    if event.sequencer is None:
        return False
    return any(is_superseded(event.sequencer, by=newer) for newer in state.sequencers())


def _superseded_outcome(key: str, state: DestinationState, **details: object) -> Outcome:
    return Outcome("superseded", key, {"recorded_sequencers": state.sequencers(), **details})


def _write(
    plan: Plan,
    event: ObjectCreated,
    storage: Storage,
    state: DestinationState,
    now: Callable[[], datetime.datetime],
) -> Outcome:
    """Carry out `plan` once, conditional on the destination still being `state`."""
    source, write, key = plan.source, plan.write, plan.source.key
    if isinstance(write, Reject):
        report = rejection_report(
            write.rejected,
            source_bucket=event.bucket,
            source_key=key,
            source_version_id=source.version_id,
            source_etag=source.etag,
            rejected_at=now(),
        )
        storage.write_rejection(key, report, metadata=plan.metadata, expected=state.report)
        return Outcome(
            "rejected",
            key,
            {
                "error_code": str(write.rejected.code),
                "reason": write.rejected.message,
                "report_key": rejection_key(key),
            },
        )
    written: dict[str, object]
    if isinstance(write, Copy):
        parts = storage.write_output_by_copy(
            key,
            source_bucket=event.bucket,
            source=source,
            appended=write.appended,
            metadata=plan.metadata,
            expected=state.output,
        )
        written = {"bytes": source.size + len(write.appended), "write": "multipart_copy"}
        written["parts"] = parts
    else:
        storage.write_output(key, write.body, metadata=plan.metadata, expected=state.output)
        written = {"bytes": len(write.body), "write": "put"}
    if state.report is not None:
        # The report was older than this event (else it would be superseded); a report that
        # changed since belongs to a concurrent event and is left to it.
        with contextlib.suppress(WriteConflict):
            storage.remove_rejection(key, expected=state.report)
    return Outcome("written", key, written)


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
