"""The emulator restarts while a dropped file is being processed: what survives, what is lost.

An emulator of this module's own, with MiniStack's persistence on (PERSIST_STATE, S3_PERSIST),
gets the stack applied. A file is dropped and its invocation held after reading (fault hook);
the emulator is stopped (SIGTERM: it saves its state) and started again on the same port and
state. The tests pin what MiniStack keeps and loses; README "Emulator restarts" says what AWS
guarantees instead (S3 events to EventBridge and EventBridge to Lambda are delivered at least
once, with retries; a runtime that dies mid-invocation is retried by Lambda).
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from harness.pipeline import Outcome, OutcomeTimeout, Pipeline
from harness.reliability import Scenario
from harness.stack import Stack, StackOutputs, throwaway_stack
from kit.books import queue_messages
from providers.ministack import MiniStack
from tests.support.books import take_books
from tests.support.function_config import FunctionConfig, invoke, object_created_event
from tests.support.outcomes import seen, wait_for_file
from tests.support.reliability_plugin import Evidence

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_sqs import SQSClient

WAIT_SECONDS = 90.0
HOLD_SECONDS = 60


@pytest.fixture(scope="module")
def restartable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[MiniStack, Stack]]:
    """A persisting MiniStack of this module's own with the stack applied, whatever --target
    is (MiniStack's persistence is the subject); torn down after."""
    state_dir = tmp_path_factory.mktemp("restartable")
    emulator = MiniStack(
        state_dir=state_dir,
        extra_env={
            "PERSIST_STATE": "1",
            "S3_PERSIST": "1",
            "STATE_DIR": str(state_dir / "state"),
        },
    )
    with (
        emulator as connection,
        throwaway_stack(
            emulator, connection, state_dir, environment=f"rs-{uuid.uuid4().hex[:6]}"
        ) as stack,
    ):
        yield emulator, stack
        # The stack goes with its emulator: the shared stacks' teardown tests destroy.
        emulator.stop()


RESTART = Scenario(
    "emulator-restart",
    title="Emulator restarted between drop and processing (MiniStack persistence on)",
    done=(
        "held an invocation after its read, stopped MiniStack (SIGTERM, state saved) and "
        "started it again on the same port and state; then invoked the held file's event again"
    ),
    asserts=(
        "the dropped object survived; a file dropped after the restart got its output; the held "
        "invocation's file had no output (its event lost, not redelivered) until its event was "
        "invoked again, which wrote the right bytes. On AWS, delivery is at least once with "
        "retries."
    ),
    target="ministack (its own, persistence on)",
)


@pytest.mark.reliability(RESTART)
def test_a_restart_mid_invocation_loses_the_event_but_keeps_the_object_and_the_pipeline(
    restartable: tuple[MiniStack, Stack], tmp_path: Path, reliability: Evidence
) -> None:
    emulator, stack = restartable
    outputs: StackOutputs = stack.outputs()
    connection = emulator.connection()
    pipeline = Pipeline(outputs, connection)
    functions: LambdaClient = connection.session().client(
        "lambda", endpoint_url=connection.endpoint_url
    )
    config = FunctionConfig(functions, outputs.function_name)
    held_key, after_key = (f"restart-{uuid.uuid4().hex[:8]}/{n}.txt" for n in ("held", "after"))
    body = b"a|b\n20|22\n"
    announce = tmp_path / "held"

    # GIVEN a dropped file whose invocation is held after reading it
    config.set(
        environment={
            "PIPESUM_FAULT": f"delay:{HOLD_SECONDS}@read#{hashlib.md5(body).hexdigest()}",  # noqa: S324
            "PIPESUM_FAULT_ANNOUNCE": str(announce),
        },
    )
    pipeline.drop(held_key, body)
    wait_for_file(announce, timeout=WAIT_SECONDS)

    # WHEN the emulator restarts (stopped with SIGTERM, which saves its state; started again)
    restarted_at = time.monotonic()
    emulator.stop()
    connection = emulator.start()
    reliability.figure("restart", f"{time.monotonic() - restarted_at:.1f} s")
    pipeline = Pipeline(outputs, connection)
    config = FunctionConfig(
        connection.session().client("lambda", endpoint_url=connection.endpoint_url),
        outputs.function_name,
    )
    config.environment = {
        name: value for name, value in config.environment.items() if "PIPESUM_FAULT" not in name
    }
    config.restore()

    # THEN the dropped object survived, and the pipeline works for a file dropped afterwards
    source = pipeline.s3.get_object(Bucket=outputs.source_bucket, Key=held_key)["Body"].read()
    dropped_at = time.time()
    pipeline.drop(after_key, body)
    try:
        after: Outcome | OutcomeTimeout = pipeline.wait_for_outcome(
            after_key, timeout=WAIT_SECONDS, since=dropped_at
        )
    except OutcomeTimeout as timeout:
        after = timeout

    # AND the held invocation's event is lost: nothing redelivers it, no output exists
    held_before_replay = pipeline.outcome(held_key)
    reliability.figure("events lost by the emulator", int(held_before_replay is None))

    # WHEN the lost event is delivered again (a redrive, a re-drop, or Lambda's retry on AWS)
    error, payload = invoke(
        config.client,
        outputs.function_name,
        object_created_event(outputs.source_bucket, held_key, sequencer=None),
    )
    sqs: SQSClient = connection.session().client("sqs", endpoint_url=connection.endpoint_url)
    reliability.account(
        take_books(
            pipeline,
            dict.fromkeys((held_key, after_key), ("output", body + b"42\n")),
            summarize=seen,
            failure_messages=queue_messages(
                sqs, (outputs.event_dlq_url, outputs.function_failure_queue_url)
            ),
        )
    )

    assert source == body
    assert not isinstance(after, OutcomeTimeout), str(after)
    assert (after.kind, after.body) == ("output", body + b"42\n")
    assert held_before_replay is None
    # THEN the replayed event's output is the right bytes
    assert error == "", payload
    held = pipeline.outcome(held_key)
    assert held is not None
    assert (held.kind, held.body) == ("output", body + b"42\n")
