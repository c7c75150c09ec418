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
from pipesum.storage import SEQUENCER_METADATA, Storage, rejection_key
from pipesum.transform import append_sum, check_size

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

    try:
        check_size(source.size, max_bytes=settings.max_input_bytes)
        output = append_sum(
            storage.read_source(event.bucket, source), max_bytes=settings.max_input_bytes
        )
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

    storage.write_output(source.key, output, metadata=metadata)
    storage.remove_rejection(source.key)
    return Outcome("written", source.key, {"bytes": len(output)})
