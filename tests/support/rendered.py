"""Resources as Terraform rendered them, read from `terraform show -json` (a state or a plan)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any


def _walk(module: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    yield from module.get("resources", [])
    for child in module.get("child_modules", []):
        yield from _walk(child)


class Rendered:
    """Every resource's values by address (`module.function.aws_iam_role.this`)."""

    def __init__(self, shown: Mapping[str, Any], *, planned: bool = False) -> None:
        values = shown.get("planned_values" if planned else "values")
        if values is None:
            raise ValueError(
                "terraform show -json holds no "
                f"{'planned_values' if planned else 'values'}: nothing was planned or applied."
            )
        self.by_address = {
            resource["address"]: resource.get("values", {})
            for resource in _walk(values["root_module"])
        }

    def values(self, address: str) -> Mapping[str, Any]:
        try:
            return self.by_address[address]
        except KeyError:
            raise KeyError(
                f"no {address} in the rendered resources; there are: {sorted(self.by_address)}"
            ) from None

    def attribute(self, address: str, name: str) -> str:
        value = self.values(address)[name]
        if not isinstance(value, str):
            raise TypeError(f"{address}.{name} is {value!r}, not a string (unknown at plan?)")
        return value

    def policy(self, address: str, attribute: str = "policy") -> dict[str, Any]:
        """A policy document attribute, decoded."""
        decoded: dict[str, Any] = json.loads(self.attribute(address, attribute))
        return decoded
