"""The event the function accepts: an EventBridge "Object Created" event from S3, made typed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class UnexpectedEvent(ValueError):
    """The event is not an S3 Object Created event for the configured source bucket."""


@dataclass(frozen=True)
class ObjectCreated:
    """The fields the function uses: `size` picks the read path (one GetObject, or a HeadObject
    and ranged reads), `version_id` pins the read, `sequencer` orders events on one key. The
    event's ETag is not kept: the object's ETag is taken from the answer that reads it."""

    bucket: str
    key: str
    size: int | None
    version_id: str | None
    sequencer: str | None
    event_id: str | None


def parse_object_created(event: Mapping[str, Any], *, source_bucket: str) -> ObjectCreated:
    """The event as an ObjectCreated, or UnexpectedEvent saying why it is not one of ours."""
    if not isinstance(event, Mapping):
        raise UnexpectedEvent(f"the event is a {type(event).__name__}, not a JSON object")
    source, detail_type = event.get("source"), event.get("detail-type")
    if source != "aws.s3" or detail_type != "Object Created":
        raise UnexpectedEvent(
            f"expected an 'Object Created' event from 'aws.s3', got {detail_type!r} from {source!r}"
        )
    detail = event.get("detail")
    bucket = _get(detail, "bucket", "name")
    key = _get(detail, "object", "key")
    if not isinstance(bucket, str) or not isinstance(key, str) or not key:
        raise UnexpectedEvent("the event has no detail.bucket.name or detail.object.key")
    if bucket != source_bucket:
        raise UnexpectedEvent(f"the event is for bucket {bucket!r}, not {source_bucket!r}")
    obj: Mapping[str, Any] = event["detail"]["object"]
    size = obj.get("size")
    return ObjectCreated(
        bucket=bucket,
        key=key,
        size=size if isinstance(size, int) and not isinstance(size, bool) else None,
        version_id=_str_or_none(obj.get("version-id")),
        sequencer=_str_or_none(obj.get("sequencer")),
        event_id=_str_or_none(event.get("id")),
    )


def _get(mapping: object, *path: str) -> object:
    for name in path:
        if not isinstance(mapping, Mapping):
            return None
        mapping = mapping.get(name)
    return mapping


def _str_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
