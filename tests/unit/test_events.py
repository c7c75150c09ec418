"""The event model: the AWS example event parses; anything else is refused with a reason."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from pipesum.events import ObjectCreated, UnexpectedEvent, parse_object_created

FIXTURE = Path(__file__).resolve().parents[1] / "events" / "object_created.json"
BUCKET = "amzn-s3-demo-bucket1"


def example_event() -> dict[str, Any]:
    event: dict[str, Any] = json.loads(FIXTURE.read_text())
    return event


def test_aws_documentation_example_parses_into_its_fields() -> None:
    assert parse_object_created(example_event(), source_bucket=BUCKET) == ObjectCreated(
        bucket=BUCKET,
        key="example-key",
        size=5,
        version_id="IYV3p45BT0ac8hjHg1houSdS1a.Mw.9c",
        sequencer="617f08299329d189",
        event_id="17793124-05d4-b198-2fde-7ededc63b103",
    )


def test_event_without_version_id_as_the_emulator_sends_it_has_none() -> None:
    event = example_event()
    del event["detail"]["object"]["version-id"]
    assert parse_object_created(event, source_bucket=BUCKET).version_id is None


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda e: e.update({"detail-type": "Object Deleted"}), "Object Deleted"),
        (lambda e: e.update({"source": "aws.ec2"}), "aws.ec2"),
        (lambda e: e["detail"]["bucket"].update({"name": "other-bucket"}), "other-bucket"),
        (lambda e: e["detail"]["object"].pop("key"), "detail.object.key"),
        (lambda e: e["detail"]["object"].update({"key": ""}), "detail.object.key"),
        (lambda e: e.pop("detail"), "detail.bucket.name"),
    ],
    ids=["deleted", "other-source", "other-bucket", "no-key", "empty-key", "no-detail"],
)
def test_events_that_are_not_ours_are_refused_with_the_reason(change: Any, reason: str) -> None:
    event = copy.deepcopy(example_event())
    change(event)
    with pytest.raises(UnexpectedEvent, match=reason):
        parse_object_created(event, source_bucket=BUCKET)


def test_a_non_object_event_is_refused() -> None:
    with pytest.raises(UnexpectedEvent, match="list"):
        parse_object_created([], source_bucket=BUCKET)  # type: ignore[arg-type]
