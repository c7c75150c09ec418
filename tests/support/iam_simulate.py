"""A real IAM evaluation engine, @cloud-copilot/iam-simulate, asked from Python (decision 12).

`decide` sends requests to tools/iam-simulate/simulate.mjs in one Node process and returns the
engine's decision for each. By default the engine runs with the encryption-context fix the project
carries (tools/iam-simulate/encryption-context-fix.mjs); `published=True` runs it as published.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kit.paths import REPO_ROOT

TOOL_DIR = REPO_ROOT / "tools" / "iam-simulate"
ENGINE_PACKAGE = TOOL_DIR / "node_modules" / "@cloud-copilot" / "iam-simulate" / "package.json"
ENGINE_VERSION = "0.1.173"
TIMEOUT_SECONDS = 120

Policy = Mapping[str, Any]


class EngineUnavailableError(RuntimeError):
    """Node or the engine is missing; the message says how to install them."""


@dataclass(frozen=True)
class Request:
    """One call: who, what, on which resource, with which request context, under which policies."""

    id: str
    principal: str
    action: str
    resource: str
    resource_account: str
    context: Mapping[str, str | list[str]] = field(default_factory=dict)
    identity_policies: Mapping[str, Policy] = field(default_factory=dict)
    resource_policy: Policy | None = None
    permission_boundaries: Mapping[str, Policy] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        encoded: dict[str, Any] = {
            "id": self.id,
            "principal": self.principal,
            "action": self.action,
            "resource": self.resource,
            "resourceAccount": self.resource_account,
            "context": dict(self.context),
            "identityPolicies": [
                {"name": name, "policy": policy} for name, policy in self.identity_policies.items()
            ],
        }
        if self.resource_policy is not None:
            encoded["resourcePolicy"] = self.resource_policy
        if self.permission_boundaries:
            encoded["permissionBoundaryPolicies"] = [
                {"name": name, "policy": policy}
                for name, policy in self.permission_boundaries.items()
            ]
        return encoded


@dataclass(frozen=True)
class Decision:
    """The engine's answer: Allowed, ImplicitlyDenied or ExplicitlyDenied, and the request keys
    it did not use (a key the action does not document is dropped, not evaluated)."""

    id: str
    result: str
    ignored_context_keys: tuple[str, ...]


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        raise EngineUnavailableError(
            "node is not on PATH: the policy simulation needs Node.js 20 or newer "
            "(apt-get install nodejs npm), then `make iam-simulate`."
        )
    if not ENGINE_PACKAGE.is_file():
        raise EngineUnavailableError(
            f"{ENGINE_PACKAGE.parent} is missing: run `make iam-simulate` "
            "(npm ci in tools/iam-simulate)."
        )
    installed = json.loads(ENGINE_PACKAGE.read_text())["version"]
    if installed != ENGINE_VERSION:
        raise EngineUnavailableError(
            f"tools/iam-simulate has @cloud-copilot/iam-simulate {installed}, the suite was "
            f"written for {ENGINE_VERSION}: run `make iam-simulate` (npm ci from the lock file)."
        )
    return node


def decide(requests: Sequence[Request], *, published: bool = False) -> dict[str, Decision]:
    """The engine's decision for each request, by id."""
    ids = [request.id for request in requests]
    if len(set(ids)) != len(ids):
        raise ValueError(f"request ids must be unique: {sorted(ids)}")
    fix = [] if published else ["--import", "./encryption-context-fix.mjs"]
    completed = subprocess.run(
        [_node(), *fix, "simulate.mjs"],
        cwd=TOOL_DIR,
        input=json.dumps([request.as_json() for request in requests]),
        capture_output=True,
        text=True,
        check=False,
        timeout=TIMEOUT_SECONDS,
    )
    if completed.returncode != 0:
        raise RuntimeError(
            f"tools/iam-simulate/simulate.mjs failed (exit {completed.returncode}):\n"
            f"{completed.stderr.strip()[-3000:]}"
        )
    decisions: dict[str, Decision] = {}
    for answer in json.loads(completed.stdout):
        if "error" in answer:
            raise RuntimeError(
                f"the engine refused the policies of request {answer['id']}: {answer['error']}"
            )
        decisions[answer["id"]] = Decision(
            id=answer["id"],
            result=answer["result"],
            ignored_context_keys=tuple(answer["ignoredContextKeys"]),
        )
    return decisions
