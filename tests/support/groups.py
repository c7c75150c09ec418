"""How the integration tests are grouped: the shared stack's, and suites on emulators of their own.

Under pytest-xdist each group runs on one worker (tests/integration/conftest.py marks them); the
time budget of `make test` is given by group (tests/support/time_budget_plugin.py).
"""

from __future__ import annotations

from typing import Any

import pytest

# Suites that deploy on an emulator of their own run as groups of their own: on another worker,
# in parallel with the shared stack's tests.
OWN_EMULATOR = {
    "tests/integration/secure/": "secure",
    "tests/integration/test_emulator_restart.py": "restart",
    "tests/integration/test_code_drift.py": "code-drift",
    "tests/integration/test_emulator_patches.py": "emulator-patches",
    "tests/integration/test_localstack_process.py": "localstack-process",
    "tests/integration/test_throttled_burst.py": "throttled",
    "tests/integration/test_soak_command.py": "soak",
    "tests/integration/test_bench_command.py": "bench",
    "tests/integration/test_sandbox_commands.py": "sandbox",
}


# Suites that start the emulator they are about, whatever --target says: MiniStack's AUTH=true mode
# (secure/), its persistence, its upstream defects, the soak and bench commands (which run on it),
# and LocalStack as the localstack target runs it. The rest run on --target; `make test` runs them
# on MiniStack and again on LocalStack (-m "not own_kind_of_emulator").
OWN_KIND_OF_EMULATOR = (
    "tests/integration/secure/",
    "tests/integration/test_emulator_restart.py",
    "tests/integration/test_emulator_patches.py",
    "tests/integration/test_localstack_process.py",
    "tests/integration/test_soak_command.py",
    "tests/integration/test_bench_command.py",
)


def group_of(nodeid: str) -> str:
    """The xdist group of an integration test: its suite's own, else the shared stack's."""
    return next((group for path, group in OWN_EMULATOR.items() if path in nodeid), "stack")


class GroupsNamedInIds:
    """Under --dist loadgroup, pytest-xdist schedules by the group named in each test's id; an
    integration test whose id names none is scheduled alone, and the worker that runs it deploys a
    stack of its own. Such a collection fails the run before anything starts."""

    @pytest.hookimpl
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:  # noqa: ARG002  (xdist's)
        ungrouped = [
            nodeid for nodeid in ids if "tests/integration/" in nodeid and "@" not in nodeid
        ]
        if ungrouped:
            raise pytest.UsageError(
                f"{len(ungrouped)} integration tests have no xdist group in their id (the "
                f"first: {ungrouped[0]}): pytest-xdist named the groups before "
                "tests/integration/conftest.py marked them."
            )
