"""End-to-end fixtures: start the target, deploy the Terraform root, yield its outputs, tear down.

The whole session shares one target and one stack; under pytest-xdist the integration tests are
kept on one worker (the `stack` group) so the stack is deployed once.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from harness.pipeline import Pipeline
from harness.stack import Stack, StackOutputs, throwaway_stack
from kit.corpus import DEFAULT_MAX_BYTES
from providers import Connection, Target, make_target

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration/" in item.nodeid:
            item.add_marker(pytest.mark.integration)
            item.add_marker(pytest.mark.xdist_group(_group(item.nodeid)))
            if any(path in item.nodeid for path in _OWN_KIND_OF_EMULATOR):
                item.add_marker(pytest.mark.own_kind_of_emulator)


# Suites that deploy on an emulator of their own run as groups of their own: on another worker,
# in parallel with the shared stack's tests.
_OWN_EMULATOR = {
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
_OWN_KIND_OF_EMULATOR = (
    "tests/integration/secure/",
    "tests/integration/test_emulator_restart.py",
    "tests/integration/test_emulator_patches.py",
    "tests/integration/test_localstack_process.py",
    "tests/integration/test_soak_command.py",
    "tests/integration/test_bench_command.py",
)


def _group(nodeid: str) -> str:
    return next((group for path, group in _OWN_EMULATOR.items() if path in nodeid), "stack")


@pytest.fixture(scope="session")
def target(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Target]:
    started = make_target(
        request.config.getoption("--target"), state_dir=tmp_path_factory.mktemp("target")
    )
    yield started
    started.stop()


@pytest.fixture(scope="session")
def connection(target: Target) -> Connection:
    return target.start()


@pytest.fixture(scope="session")
def stack(
    target: Target, connection: Connection, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """The pipeline deployed on the target from this checkout; destroyed afterwards, always."""
    with throwaway_stack(
        target,
        connection,
        tmp_path_factory.mktemp("stack"),
        environment=f"it-{uuid.uuid4().hex[:6]}",
        extra_variables={"max_input_bytes": DEFAULT_MAX_BYTES},
    ) as deployed:
        yield deployed


@pytest.fixture(scope="session")
def outputs(stack: Stack) -> StackOutputs:
    return stack.outputs()


@pytest.fixture(scope="session")
def pipeline(outputs: StackOutputs, connection: Connection) -> Pipeline:
    return Pipeline(outputs, connection)


@pytest.fixture
def unique_key(request: pytest.FixtureRequest) -> str:
    """An object key no other test uses, so outcomes never mix."""
    return f"{request.node.name[:40]}-{uuid.uuid4().hex[:8]}/triggerFile.txt"


@pytest.fixture(scope="session")
def lambda_client(connection: Connection) -> LambdaClient:
    client: LambdaClient = connection.session().client(
        "lambda", endpoint_url=connection.endpoint_url
    )
    return client
