"""Plan drift: only the exact attributes a target is known to misread are excused."""

from __future__ import annotations

from typing import Any

from harness.drift import PlannedChange, planned_changes, unexcused

ALARM_EXCUSES = {
    ("aws_cloudwatch_metric_alarm", "period"),
    ("aws_cloudwatch_metric_alarm", "dimensions"),
}


def resource_change(
    address: str, actions: list[str], before: dict[str, Any] | None, after: dict[str, Any] | None
) -> dict[str, Any]:
    return {
        "address": address,
        "type": address.split(".")[-2],
        "change": {"actions": actions, "before": before, "after": after, "after_unknown": {}},
    }


def plan(*changes: dict[str, Any]) -> dict[str, Any]:
    return {"resource_changes": list(changes)}


def test_no_ops_and_reads_are_not_changes() -> None:
    assert (
        planned_changes(
            plan(
                resource_change("aws_s3_bucket.this", ["no-op"], {"a": 1}, {"a": 1}),
                resource_change("data.aws_region.this", ["read"], None, {"name": "x"}),
            )
        )
        == []
    )


def test_changed_attributes_are_named() -> None:
    [change] = planned_changes(
        plan(
            resource_change(
                "aws_cloudwatch_metric_alarm.errors",
                ["update"],
                {"period": 0, "dimensions": {}, "threshold": 1},
                {"period": 60, "dimensions": {"FunctionName": "f"}, "threshold": 1},
            )
        )
    )
    assert change == PlannedChange(
        "aws_cloudwatch_metric_alarm.errors",
        "aws_cloudwatch_metric_alarm",
        ("update",),
        frozenset({"period", "dimensions"}),
    )
    assert change.describe() == ("aws_cloudwatch_metric_alarm.errors: update [dimensions, period]")


def test_the_known_alarm_misreading_is_excused() -> None:
    changes = planned_changes(
        plan(
            resource_change(
                "aws_cloudwatch_metric_alarm.errors",
                ["update"],
                {"period": 0, "dimensions": {}},
                {"period": 60, "dimensions": {"FunctionName": "f"}},
            )
        )
    )
    assert unexcused(changes, ALARM_EXCUSES) == []


def test_any_other_attribute_of_an_alarm_is_drift() -> None:
    changes = planned_changes(
        plan(
            resource_change(
                "aws_cloudwatch_metric_alarm.errors",
                ["update"],
                {"period": 0, "threshold": 5},
                {"period": 60, "threshold": 1},
            )
        )
    )
    assert unexcused(changes, ALARM_EXCUSES) == changes


def test_replacing_or_creating_is_never_excused() -> None:
    changes = planned_changes(
        plan(
            resource_change(
                "aws_cloudwatch_metric_alarm.errors",
                ["delete", "create"],
                {"period": 0},
                {"period": 60},
            ),
            resource_change("aws_s3_bucket.this", ["create"], None, {"bucket": "b"}),
        )
    )
    assert unexcused(changes, ALARM_EXCUSES) == changes


def test_the_same_attribute_on_another_resource_type_is_drift() -> None:
    changes = planned_changes(
        plan(resource_change("aws_sqs_queue.dlq", ["update"], {"period": 0}, {"period": 60}))
    )
    assert unexcused(changes, ALARM_EXCUSES) == changes
