"""What a `terraform plan` would change, read from its JSON, and which changes a target excuses.

An emulator can read some attributes back wrongly (MiniStack returns CloudWatch metric alarms with
period 0 and no dimensions), so its plan is never empty. The check stays strict: a target lists
the exact (resource type, attribute) pairs it misreports, and any other change is drift.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

Excuse = tuple[str, str]  # (resource type, top-level attribute)


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
        name for name in names if before.get(name) != after.get(name) or unknown.get(name)
    )


def unexcused(changes: Iterable[PlannedChange], excuses: Collection[Excuse]) -> list[PlannedChange]:
    """The changes a target's excuses do not cover: in-place updates of excused attributes only."""
    return [
        change
        for change in changes
        if change.actions != ("update",)
        or not change.attributes
        or any((change.resource_type, name) not in excuses for name in change.attributes)
    ]
