"""Plan drift: every change a plan shows, of any attribute of any resource, is named."""

from __future__ import annotations

from typing import Any

from harness.drift import PlannedChange, planned_changes


def resource_change(
    address: str,
    actions: list[str],
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    after_unknown: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "address": address,
        "type": address.split(".")[-2],
        "change": {
            "actions": actions,
            "before": before,
            "after": after,
            "after_unknown": after_unknown or {},
        },
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


def test_an_alarm_read_back_differently_is_drift_and_its_attributes_are_named() -> None:
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
    assert change.describe() == "aws_cloudwatch_metric_alarm.errors: update [dimensions, period]"


def test_replacing_and_creating_are_changes() -> None:
    changes = planned_changes(
        plan(
            resource_change(
                "aws_cloudwatch_metric_alarm.errors", ["delete", "create"], {"period": 0}, {}
            ),
            resource_change("aws_s3_bucket.this", ["create"], None, {"bucket": "b"}),
        )
    )
    assert [change.describe() for change in changes] == [
        "aws_cloudwatch_metric_alarm.errors: delete/create [period]",
        "aws_s3_bucket.this: create [(whole resource)]",
    ]


def test_an_attribute_is_changed_only_where_its_after_unknown_holds_true() -> None:
    """A nested block's after_unknown is a structure (`[{"variables": {}}]`) even when nothing in
    it is unknown: only the code, and the last-modified time it changes, are named."""
    environment = [{"variables": {"SOURCE_BUCKET": "s"}}]
    [change] = planned_changes(
        plan(
            resource_change(
                "module.function.aws_lambda_function.this",
                ["update"],
                {"source_code_hash": "a", "last_modified": "t", "environment": environment},
                {"source_code_hash": "b", "last_modified": None, "environment": environment},
                {"last_modified": True, "environment": [{"variables": {}}]},
            )
        )
    )
    assert change.attributes == frozenset({"source_code_hash", "last_modified"})
