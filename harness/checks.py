"""What `make verify` checks: one fact about the deployment, expected by the code and found.

Each check is keyed by (resource, fact), and a set of checks refuses a second check of the same
fact, so a count of checks is a count of distinct facts. Each kind of check has its repair: the
command, on the target verified, that makes the deployment what the code says again.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from providers import DEFAULT_TARGET


class Kind(enum.Enum):
    #: An attribute read back through the API (tags and environment variables included).
    CONFIGURATION = "configuration"
    #: The function's package against the zip built from this checkout.
    CODE = "code"
    #: What `terraform plan` would change.
    DRIFT = "drift"
    #: A resource type verify has no reader for.
    UNREADABLE = "unreadable"
    #: A resource the API would not read back (deleted, or the credentials may not read it).
    READ_ERROR = "read error"
    #: A file dropped into the running pipeline.
    PROBE = "probe"


@dataclass(frozen=True)
class Check:
    resource: str
    attribute: str
    expected: object
    found: object
    kind: Kind = Kind.CONFIGURATION

    @property
    def key(self) -> tuple[str, str]:
        return (self.resource, self.attribute)

    @property
    def ok(self) -> bool:
        return self.expected == self.found


class DuplicateCheck(ValueError):
    """Two checks of the same fact: a reader or the engine checks something twice."""


@dataclass
class Checks:
    """Checks in the order they were made, at most one per (resource, fact)."""

    _by_key: dict[tuple[str, str], Check] = field(default_factory=dict)

    def add(self, check: Check) -> None:
        if check.key in self._by_key:
            raise DuplicateCheck(
                f"{check.resource} {check.attribute} is checked twice: "
                f"{self._by_key[check.key]} and {check}"
            )
        self._by_key[check.key] = check

    def extend(self, checks: Iterable[Check]) -> None:
        for check in checks:
            self.add(check)

    def __iter__(self) -> Iterator[Check]:
        return iter(self._by_key.values())

    def __len__(self) -> int:
        return len(self._by_key)


ACCESS_DENIED_CODES = frozenset(
    {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "AuthorizationError"}
)


@dataclass(frozen=True)
class Repairs:
    """The commands that repair a failed check on one target."""

    #: Applies this commit (configuration and package) to the target.
    apply: str
    #: Shows what `apply` would change.
    plan: str
    #: The function's log lines.
    logs: str
    #: Verify again (with other credentials, for a read that was refused).
    verify: str

    @classmethod
    def sandbox(cls, target: str = DEFAULT_TARGET) -> Repairs:
        """The sandbox's commands; for another emulator than the default, naming it."""
        if target == DEFAULT_TARGET:
            return cls(
                apply="make up", plan="./tflocal.sh plan", logs="make logs", verify="make verify"
            )
        return cls(
            apply=f"make up TARGET={target}",
            plan=f"TARGET={target} ./tflocal.sh plan",
            logs=f"make logs TARGET={target}",
            verify=f"make verify TARGET={target}",
        )

    @classmethod
    def aws(cls, environment: str) -> Repairs:
        return cls(
            apply=f"make deploy-plan deploy-apply ENV={environment}",
            plan=f"make deploy-plan ENV={environment}",
            logs=f"make logs TARGET=aws ENV={environment}",
            verify=f"make verify TARGET=aws ENV={environment}",
        )

    def of(self, check: Check) -> str:
        """What to run when `check` failed."""
        if check.kind is Kind.READ_ERROR and check.found in ACCESS_DENIED_CODES:
            return f"run `{self.verify}` with credentials allowed to read this resource"
        return {
            Kind.CONFIGURATION: f"run `{self.apply}`: it applies this commit's configuration",
            Kind.CODE: f"run `{self.apply}`: it deploys the package built from this commit",
            Kind.DRIFT: (
                f"run `{self.apply}`: it applies this commit (`{self.plan}` lists the changes)"
            ),
            Kind.UNREADABLE: (
                "add a reader for this resource type to harness/readers/ (one `@reads` entry "
                f"naming the attributes to compare, like the others), then `{self.verify}`"
            ),
            Kind.READ_ERROR: f"run `{self.apply}`: it creates the resource again",
            Kind.PROBE: (
                f"`{self.logs}` shows what the function did; once the cause is fixed, "
                f"`{self.apply}` deploys this commit"
            ),
        }[check.kind]
