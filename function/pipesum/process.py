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

from pipesum.byte_ranges import copy_ranges
from pipesum.config import Settings
from pipesum.events import ObjectCreated
from pipesum.ordering import is_same_event, is_superseded
from pipesum.rejection import InputRejected, rejection_report
from pipesum.storage import (
    SEQUENCER_METADATA,
    DestinationObject,
    SourceObject,
    Storage,
    WriteConflict,
    rejection_key,
    with_report_mark,
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
class OutputFound:
    """The output the destination held when looked up, before this event wrote (None: none)."""

    output: DestinationObject | None


@dataclass(frozen=True)
class Plan:
    """What one event writes, decided from the source before anything is written."""

    source: SourceObject
    write: Put | Copy | Reject
    #: The object metadata of what is written: the source version and the event's sequencer.
    metadata: dict[str, str]
    #: The output as looked up before the source's lines were read in ranges; None when not
    #: looked up (a Put assumes the key new, and reads the output only if that is refused).
    found: OutputFound | None


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

    The output follows the newest valid version of the source, the rejection report the newest
    rejected one unless a newer version was valid: the same end state in whatever order the
    events come. A source under the copy threshold costs one GetObject, which also locates it;
    a valid one is then written on the assumption that its key is new (IfNoneMatch), and the
    rejection report looked up after (HeadObject), to be removed if it is older: three requests
    for a new key. A key whose output exists costs that write's refusal and a HeadObject of the
    output on top, four in all: the output carries a mark while a rejection report may stand
    beside it, so that without the mark no report is looked up. A late event stops at the
    output's HeadObject. A source not read whole (large, or over the size limit) has its order
    checked before its lines are read, so that a late event reads nothing more.
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
    metadata = _metadata(event, source)
    try:
        # The size checks need no bytes: an empty or too large file is rejected unread.
        parser = SumParser(size=source.size, max_bytes=settings.max_input_bytes)
    except InputRejected as refused:
        return _carry_out(Plan(source, Reject(refused), metadata, found=None), event, storage, now)
    found: OutputFound | None = None
    if original is None:
        found = OutputFound(storage.output_state(source.key))
        if _supersedes(event, found.output):
            return _superseded_outcome(source.key, [found.output])
    write = _decide(parser, source, original, event.bucket, storage)
    return _carry_out(Plan(source, write, metadata, found), event, storage, now)


def _decide(
    parser: SumParser, source: SourceObject, original: bytes | None, bucket: str, storage: Storage
) -> Put | Copy | Reject:
    """What to write for `source`: from its bytes when read whole, else its lines read in ranges."""
    try:
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
    plan: Plan, event: ObjectCreated, storage: Storage, now: Callable[[], datetime.datetime]
) -> Outcome:
    if isinstance(plan.write, Reject):
        return _report(plan, plan.write.rejected, event, storage, now)
    return _output(plan, plan.write, event, storage)


def _output(plan: Plan, write: Put | Copy, event: ObjectCreated, storage: Storage) -> Outcome:
    """Write the output over an older one (or none), then settle the rejection report beside it.

    Only the output orders an output: a newer rejection report stays beside it, as when the
    rejected version came after, and the output carries the mark that says so. An output being
    replaced has been read (HeadObject): without the mark no report exists and none is looked
    up; with it, the report is looked up before the write, so that the write keeps the mark
    while a newer report stays. A key assumed new has its report looked up after the write, so
    that an event racing a rejection finds the report the rejection wrote, or the rejection finds
    this output.
    """
    key = plan.source.key
    expected = None if plan.found is None else plan.found.output  # None: assumed new
    for conflicts in range(MAX_WRITE_ATTEMPTS):
        if conflicts:
            expected = storage.output_state(key)
            if _supersedes(event, expected):
                if _same_event(event, expected):
                    # This event's own output, written by an earlier delivery that may have
                    # ended before it settled the report: that is still due.
                    _settle_report(key, storage, expected, storage.report_state(key))
                return _superseded_outcome(key, [expected], write_conflicts=conflicts)
        report = storage.report_state(key) if expected is not None and expected.marked else None
        keeps_report = report is not None and _supersedes(event, report)
        metadata = with_report_mark(plan.metadata) if keeps_report else plan.metadata
        try:
            written = _write_output(plan, write, event, storage, metadata, expected)
        except WriteConflict:
            if conflicts + 1 == MAX_WRITE_ATTEMPTS:
                raise
            continue
        if expected is None:
            report = storage.report_state(key)
        _settle_report(key, storage, written, report)
        return Outcome("written", key, _written_details(plan, write, storage))
    raise AssertionError("unreachable: the last attempt returns or raises")


def _write_output(
    plan: Plan,
    write: Put | Copy,
    event: ObjectCreated,
    storage: Storage,
    metadata: dict[str, str],
    expected: DestinationObject | None,
) -> DestinationObject:
    """One write of the output, conditional on the key holding `expected`; the output written."""
    key = plan.source.key
    if isinstance(write, Put):
        return storage.write_output(key, write.body, metadata=metadata, expected=expected)
    return storage.write_output_by_copy(
        key,
        source_bucket=event.bucket,
        source=plan.source,
        appended=write.appended,
        metadata=metadata,
        expected=expected,
    )


def _written_details(plan: Plan, write: Put | Copy, storage: Storage) -> dict[str, object]:
    if isinstance(write, Put):
        return {"bytes": len(write.body), "write": "put"}
    copied = copy_ranges(plan.source.size, storage.tuning.copy_part_bytes)
    return {
        "bytes": plan.source.size + len(write.appended),
        "write": "multipart_copy",
        "parts": len(copied) + 1,
    }


def _settle_report(
    key: str,
    storage: Storage,
    output: DestinationObject | None,
    report: DestinationObject | None,
    *,
    unordered_report_stays: bool = False,
) -> None:
    """Leave the rejection report of `key` consistent with the output the key holds: removed if
    the output is newer, else recorded on the output by its mark (`Storage.mark_output`), so
    that the writer of the next version looks the report up.

    A report or output without a sequencer has no order: the report stays only if
    `unordered_report_stays` (its writer's view), else the output's writer removes it. A removal
    refused leaves the report to the concurrent event that changed it; a mark refused means the
    output changed meanwhile, and the newer output is judged again.
    """
    for _ in range(MAX_WRITE_ATTEMPTS):
        if output is None or report is None:
            return
        if report.sequencer is None or output.sequencer is None:
            outdated = not unordered_report_stays
        else:
            outdated = is_superseded(report.sequencer, by=output.sequencer)
        if outdated:
            with contextlib.suppress(WriteConflict):
                storage.remove_rejection(key, expected=report)
            return
        if output.marked:
            return
        try:
            storage.mark_output(key, output)
        except WriteConflict:
            output = storage.output_state(key)
            continue
        return
    raise WriteConflict(f"the output of {key!r} kept changing while its report was recorded on it")


def _report(
    plan: Plan,
    rejected: InputRejected,
    event: ObjectCreated,
    storage: Storage,
    now: Callable[[], datetime.datetime],
) -> Outcome:
    """Write the rejection report unless the output or the report is as new as this event.

    The output is read first: one as new as this event ends it. An output without the mark has
    no report beside it, so the report is written as new, unread (IfNoneMatch), and the output
    then marked; otherwise the report is read and the write made conditional on it.
    """
    key, source = plan.source.key, plan.source
    output = storage.output_state(key) if plan.found is None else plan.found.output
    if _supersedes(event, output):
        return _superseded_outcome(key, [output])
    report = None if output is not None and not output.marked else storage.report_state(key)
    for conflicts in range(MAX_WRITE_ATTEMPTS):
        if conflicts:
            output, report = storage.output_state(key), storage.report_state(key)
            if _same_event(event, report):
                # This event's own report, written by an earlier delivery (or a concurrent one)
                # that may have ended before it marked the output: that is still due.
                _settle_report(key, storage, output, report, unordered_report_stays=True)
        if any(_supersedes(event, found) for found in (output, report)):
            details = {"write_conflicts": conflicts} if conflicts else {}
            return _superseded_outcome(key, [output, report], **details)
        report_body = rejection_report(
            rejected,
            source_bucket=event.bucket,
            source_key=key,
            source_version_id=source.version_id,
            source_etag=source.etag,
            rejected_at=now(),
        )
        try:
            written = storage.write_rejection(
                key, report_body, metadata=plan.metadata, expected=report
            )
        except WriteConflict:
            if conflicts + 1 == MAX_WRITE_ATTEMPTS:
                raise
            continue
        _settle_report(key, storage, output, written, unordered_report_stays=True)
        return Outcome(
            "rejected",
            key,
            {
                "error_code": str(rejected.code),
                "reason": rejected.message,
                "report_key": rejection_key(key),
            },
        )
    raise AssertionError("unreachable: the last attempt returns or raises")


def _supersedes(event: ObjectCreated, found: DestinationObject | None) -> bool:
    """True when `found` was written by this event or a later one on the same key."""
    if event.sequencer is None or found is None or found.sequencer is None:
        return False
    return is_superseded(event.sequencer, by=found.sequencer)


def _same_event(event: ObjectCreated, found: DestinationObject | None) -> bool:
    if event.sequencer is None or found is None or found.sequencer is None:
        return False
    return is_same_event(event.sequencer, found.sequencer)


def _superseded_outcome(
    key: str, found: list[DestinationObject | None], **details: object
) -> Outcome:
    recorded = [item.sequencer for item in found if item is not None and item.sequencer]
    return Outcome("superseded", key, {"recorded_sequencers": recorded, **details})


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
