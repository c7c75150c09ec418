"""End-to-end fixtures: start the target, deploy the Terraform root, yield its outputs, tear down.

The whole session shares one target and one stack; under pytest-xdist the integration tests are
kept on one worker (the `stack` group) so the stack is deployed once.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from harness.commits import current_commit, has_uncommitted_changes, short
from harness.pipeline import Pipeline
from harness.reach import Reached, reach
from harness.stack import Stack, StackOutputs, throwaway_stack
from kit.corpus import DEFAULT_MAX_BYTES
from providers import Connection, Target, make_target
from tests.support.groups import OWN_KIND_OF_EMULATOR, group_of

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's, which names each test's group by these
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration/" in item.nodeid:
            item.add_marker(pytest.mark.integration)
            item.add_marker(pytest.mark.xdist_group(group_of(item.nodeid)))
            if any(path in item.nodeid for path in OWN_KIND_OF_EMULATOR):
                item.add_marker(pytest.mark.own_kind_of_emulator)


@pytest.fixture(scope="session")
def sandbox(request: pytest.FixtureRequest) -> Reached | None:
    """With --sandbox, the sandbox `make up` runs on --target, with this working tree's function
    deployed to it in place; otherwise None."""
    if not request.config.getoption("--sandbox"):
        return None
    name = request.config.getoption("--target")
    started = time.monotonic()
    reached = reach(name, tell=lambda _: None)
    deployed = reached.stack.deploy_function()
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print(
            f"\n- on the sandbox of {reached.target.description}, commit "
            f"{short(current_commit())}"
            + (" + changes" if has_uncommitted_changes() else "")
            + f": {deployed} ({time.monotonic() - started:.1f} s)"
        )
    return reached


@pytest.fixture(scope="session")
def target(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    sandbox: Reached | None,
) -> Iterator[Target]:
    if sandbox is not None:
        yield sandbox.target  # the sandbox's: it keeps running
        return
    started = make_target(
        request.config.getoption("--target"), state_dir=tmp_path_factory.mktemp("target")
    )
    yield started
    started.stop()


@pytest.fixture(scope="session")
def connection(target: Target, sandbox: Reached | None) -> Connection:
    return target.start() if sandbox is None else sandbox.connection


@pytest.fixture(scope="session")
def stack(
    target: Target,
    connection: Connection,
    tmp_path_factory: pytest.TempPathFactory,
    sandbox: Reached | None,
) -> Iterator[Stack]:
    """The pipeline deployed on the target from this checkout; destroyed afterwards, always.
    With --sandbox, the sandbox's stack as it is, its function this working tree's."""
    if sandbox is not None:
        yield sandbox.stack
        return
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
