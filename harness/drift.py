"""What a `terraform plan` would change, read from its JSON.

Right after an apply the plan must be empty on every target: any change, of any attribute of any
resource, is drift. Nothing is excused.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class PlannedChange:
    address: str
    resource_type: str
    actions: tuple[str, ...]
    attributes: frozenset[str]

    def describe(self) -> str:
        changed = ", ".join(sorted(self.attributes)) or "(whole resource)"
        return f"{self.address}: {'/'.join(self.actions)} [{changed}]"


def planned_changes(plan: Mapping[str, Any]) -> list[PlannedChange]:
    """The resource changes of a plan (`terraform show -json PLAN`), no-ops and reads left out."""
    changes = []
    for resource in plan.get("resource_changes", []):
        change = resource.get("change", {})
        actions = tuple(change.get("actions", []))
        if actions in {("no-op",), ("read",)}:
            continue
        changes.append(
            PlannedChange(
                address=resource["address"],
                resource_type=resource["type"],
                actions=actions,
                attributes=_changed_attributes(
                    change.get("before"), change.get("after"), change.get("after_unknown")
                ),
            )
        )
    return changes


def _changed_attributes(before: object, after: object, unknown: object) -> frozenset[str]:
    if not isinstance(before, Mapping) or not isinstance(after, Mapping):
        return frozenset()
    unknown = unknown if isinstance(unknown, Mapping) else {}
    names = set(before) | set(after)
    return frozenset(
        name
        for name in names
        if before.get(name) != after.get(name) or _holds_unknown(unknown.get(name))
    )


def _holds_unknown(marks: object) -> bool:
    """Whether an `after_unknown` entry marks anything unknown: a nested block's entry is a
    structure like `[{"variables": {}}]`, unknown only where it holds `true`."""
    if isinstance(marks, Mapping):
        return any(_holds_unknown(mark) for mark in marks.values())
    if isinstance(marks, list):
        return any(_holds_unknown(mark) for mark in marks)
    return marks is True
