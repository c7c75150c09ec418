"""Hostile files and keys end to end: each ends in the right output or rejection report.

What is right comes from the independent whole-bytes reference (tests/support), not from the
function. An outcome at all shows the function finished within its timeout (a timed-out
invocation writes nothing). Memory cannot be read inside the emulator's Lambda worker, so each
file is also handled once in a process of its own against the same buckets, and its peak RSS
must stay under the memory the function is deployed with.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from harness.bench.launcher import measure
from harness.pipeline import Outcome, OutcomeTimeout, Pipeline
from harness.reliability import Scenario
from harness.stack import StackOutputs
from kit.books import queue_messages
from kit.paths import REPO_ROOT
from providers import Connection, Target
from tests.support.books import take_books
from tests.support.function_config import FunctionConfig
from tests.support.outcomes import expected_outcome, seen, wait_for_file
from tests.support.polling import poll
from tests.support.reliability_plugin import Evidence

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_sqs import SQSClient

MIB = 1 << 20
MAX_INPUT_BYTES = 16 * MIB
WAIT_SECONDS = 120.0


@dataclass(frozen=True)
class Hostile:
    name: str
    body: bytes
    #: The object key after the run's prefix; None: `<name>.txt`.
    key: str | None = None

    def key_under(self, prefix: str) -> str:
        if self.key is not None:
            return f"{prefix}/{self.key}"
        return f"{prefix}/{self.name}.txt"


def _key_of_1024_bytes(prefix_length: int, *, tail: str = ".txt") -> str:
    """The part after `<prefix>/` of a key of exactly 1,024 UTF-8 bytes."""
    return (
        "ü" * ((1024 - prefix_length - 1 - len(tail)) // 2)
        + "x" * ((1024 - prefix_length - 1 - len(tail)) % 2)
        + tail
    )


PREFIX_LENGTH = len("hostile-12345678")
FIELDS = 10_240
HOSTILE = [
    Hostile(
        "header-row-of-10-mib",
        b"|".join([b"h" * 1023] * FIELDS) + b"\n" + b"|".join([b"7"] * FIELDS) + b"\n",
    ),
    Hostile("row-2-of-a-million-empty-fields", b"h\n" + b"|" * 999_999 + b"\n"),
    Hostile("nul-in-row-2", b"a|b\n1|\x002\n"),
    Hostile("nul-in-the-header", b"a\x00|b\n1|2\n"),
    Hostile("nul-after-row-2", b"a|b\n1|2\n\x00\x00\x00\n"),
    Hostile("invalid-utf-8-after-row-2", b"a|b\n1|2\n\xff\xfe\xc0\xaf\xed\xa0\x80 kept\n"),
    Hostile("zero-bytes", b""),
    Hostile("key-of-1024-bytes", b"a|b\n1|2\n", key=_key_of_1024_bytes(PREFIX_LENGTH)),
    Hostile(
        "key-of-1024-bytes-rejected",
        b"a|b\n1|x\n",
        key=_key_of_1024_bytes(PREFIX_LENGTH, tail="-bad.txt"),
    ),
    Hostile("key-with-dot-dot", b"a|b\n1|2\n", key="a/../../escape.txt"),
    Hostile("key-of-dot-dot-segments-only", b"a|b\n3|4\n", key="../../../triggerFile.txt"),
]


@pytest.fixture(scope="module")
def larger_inputs(connection: Connection, outputs: StackOutputs) -> Iterator[FunctionConfig]:
    """The function deployed with a 16 MiB input limit, so the 10 MiB header is in bounds."""
    client: LambdaClient = connection.session().client(
        "lambda", endpoint_url=connection.endpoint_url
    )
    config = FunctionConfig(client, outputs.function_name)
    config.set(environment={"MAX_INPUT_BYTES": str(MAX_INPUT_BYTES)})
    try:
        yield config
    finally:
        config.restore()


def peak_rss_mib(connection: Connection, outputs: StackOutputs, key: str, size: int) -> float:
    """Peak RSS of handling `key` once in a process of its own (harness.bench.probe handle)."""
    env = (
        dict(os.environ)
        | connection.environment()
        | {
            "SOURCE_BUCKET": outputs.source_bucket,
            "DESTINATION_BUCKET": outputs.destination_bucket,
            "MAX_INPUT_BYTES": str(MAX_INPUT_BYTES),
            "BENCH_OBJECT_SIZE": str(size),
        }
    )
    Pipeline(outputs, connection).forget(key)  # else the handling is "superseded", reads nothing
    work = REPO_ROOT / "build" / "hostile"
    work.mkdir(parents=True, exist_ok=True)
    name = hashlib.sha256(key.encode()).hexdigest()[:16]
    command = [sys.executable, "-m", "harness.bench.probe", "handle", key, str(work / name)]
    seconds, rss_kib, code = measure(command, env=env, timeout=300, stdout=work / f"{name}.out")
    error = (work / f"{name}.err").read_text(errors="replace")
    assert seconds is not None, f"handling {key!r} in-process did not end in 300 s"
    assert code == 0, error
    return rss_kib / 1024


HOSTILE_INPUT = Scenario(
    "hostile-input",
    title="Hostile files and keys",
    done=(
        f"dropped {len(HOSTILE)} hostile inputs at once: "
        + ", ".join(case.name for case in HOSTILE)
        + "; then handled each once more in a process of its own"
    ),
    asserts=(
        "each ended in the reference's outcome (output byte for byte, or a report with its "
        "error code), under the key as uploaded; the report of a 1,024-byte key under "
        "_rejected/sha256/; each handling's peak RSS under the function's memory size"
    ),
)


@pytest.mark.behaviour("ranged-reads-of-a-version")
@pytest.mark.reliability(HOSTILE_INPUT)
@pytest.mark.usefixtures("larger_inputs")
def test_hostile_files_and_keys_end_in_the_reference_outcome_with_memory_bounded(
    pipeline: Pipeline, connection: Connection, outputs: StackOutputs, reliability: Evidence
) -> None:
    prefix = f"hostile-{uuid.uuid4().hex[:8]}"
    assert len(prefix) == PREFIX_LENGTH
    cases = {case.key_under(prefix): case for case in HOSTILE}
    assert all(len(key.encode()) <= 1024 for key in cases)

    # GIVEN hostile files dropped at once into the deployed pipeline
    def drop_and_wait(key: str) -> tuple[str, Outcome | OutcomeTimeout]:
        dropped_at = time.time()
        pipeline.drop(key, cases[key].body)
        try:
            return key, pipeline.wait_for_outcome(key, timeout=WAIT_SECONDS, since=dropped_at)
        except OutcomeTimeout as timeout:
            return key, timeout

    with ThreadPoolExecutor(max_workers=4) as pool:
        waited = dict(pool.map(drop_and_wait, cases))
    expected = {
        key: expected_outcome(case.body, max_bytes=MAX_INPUT_BYTES) for key, case in cases.items()
    }
    sqs: SQSClient = connection.session().client("sqs", endpoint_url=connection.endpoint_url)
    reliability.account(
        take_books(
            pipeline,
            expected,
            summarize=seen,
            failure_messages=queue_messages(
                sqs, (outputs.event_dlq_url, outputs.function_failure_queue_url)
            ),
        )
    )
    timed_out = {cases[key].name: str(w) for key, w in waited.items() if not isinstance(w, Outcome)}
    assert timed_out == {}
    outcomes = {key: w for key, w in waited.items() if isinstance(w, Outcome)}

    # THEN each ends in what the reference says, under the key exactly as uploaded
    mismatches = {
        cases[key].name: (seen(outcome), expected[key])
        for key, outcome in outcomes.items()
        if seen(outcome) != expected[key]
    }
    assert mismatches == {}
    destination = pipeline.outputs.destination_bucket
    written = {
        item["Key"]
        for listing_prefix in (f"{prefix}/", f"_rejected/{prefix}/", "_rejected/sha256/")
        for item in pipeline.s3.list_objects_v2(Bucket=destination, Prefix=listing_prefix).get(
            "Contents", []
        )
    }
    assert {outcome.key for outcome in outcomes.values()} <= written
    assert {key for key, outcome in outcomes.items() if outcome.kind == "output"} == {
        key for key in written if key.startswith(f"{prefix}/")
    }
    too_long = next(key for key, case in cases.items() if case.name.endswith("1024-bytes-rejected"))
    digest = hashlib.sha256(too_long.encode()).hexdigest()
    assert outcomes[too_long].key == f"_rejected/sha256/{digest}.json"

    # AND handling each once more in a process of its own stays under the function's memory
    memory_mb = pipeline_memory_mb(connection, outputs)
    rss = {
        cases[key].name: peak_rss_mib(connection, outputs, key, len(cases[key].body))
        for key in cases
    }
    reliability.figure(
        "peak RSS in-process (max)", f"{max(rss.values()):.1f} MiB (limit {memory_mb} MB)"
    )
    assert {name: mib for name, mib in rss.items() if mib >= memory_mb} == {}

    for key in cases:
        pipeline.remove(key)


def pipeline_memory_mb(connection: Connection, outputs: StackOutputs) -> int:
    client: LambdaClient = connection.session().client(
        "lambda", endpoint_url=connection.endpoint_url
    )
    return client.get_function_configuration(FunctionName=outputs.function_name)["MemorySize"]


def wait_for_log_line(
    pipeline: Pipeline, *, since: float, needles: tuple[str, ...], timeout: float
) -> str:
    """The first function log line holding every needle; fails saying what was last seen."""
    deadline = time.monotonic() + timeout
    lines: list[str] = []
    while time.monotonic() < deadline:
        lines = pipeline.function_log_lines(since)
        for line in lines:
            if all(needle in line for needle in needles):
                return line
        time.sleep(0.2)
    last = "\n".join(lines[-5:]) or "(no log lines)"
    raise AssertionError(f"no log line with {needles} in {timeout:.0f} s; last seen:\n{last}")


REPLACED = Scenario(
    "replaced-while-processing",
    title="Object replaced while being processed",
    done=(
        "held version 1 after its read (fault hook hold), replaced it with version 2, released "
        "version 1 once version 2's output was written"
    ),
    asserts=(
        "the function logged version 1 as superseded, with one write conflict; the final "
        "output is version 2's, byte for byte"
    ),
)


@pytest.mark.reliability(REPLACED)
def test_an_object_replaced_while_being_processed_ends_in_the_newer_versions_output(
    pipeline: Pipeline,
    larger_inputs: FunctionConfig,
    target: Target,
    tmp_path: Path,
    connection: Connection,
    reliability: Evidence,
) -> None:
    """GIVEN version 1 being processed (held after its read by the fault hook) WHEN version 2
    replaces it and is processed first THEN version 1's conditional write is refused, it is
    found superseded, and the output is version 2's.

    The hook announces the hold in a file and waits for a file of the test's to go on, which
    needs the Lambda workers on this machine: version 1 goes on only once version 2's output is
    there, however slow the machine."""
    if not target.runs_functions_on_this_machine:
        pytest.skip("the hold is announced through the filesystem the function runs on")
    announce, release = tmp_path / "held", tmp_path / "release"
    key = f"replaced-{uuid.uuid4().hex[:8]}/triggerFile.txt"
    first, second = b"a|b\n1|1\n", b"a|b\n2|2\n"
    held = hashlib.md5(first).hexdigest()  # noqa: S324  (S3's ETag of a single-part upload)
    larger_inputs.set(
        environment={
            "MAX_INPUT_BYTES": str(MAX_INPUT_BYTES),
            "PIPESUM_FAULT": f"hold@read#{held}",
            "PIPESUM_FAULT_ANNOUNCE": str(announce),
            "PIPESUM_FAULT_RELEASE": str(release),
        }
    )
    try:
        since = time.time()
        pipeline.drop(key, first)
        wait_for_file(announce, timeout=WAIT_SECONDS)
        pipeline.drop(key, second)
        poll(
            "version 2's output, while version 1 is held",
            lambda: pipeline.outcome(key),
            lambda outcome: outcome is not None and outcome.body == second + b"4\n",
            seconds=WAIT_SECONDS,
        )
        release.write_text("go\n")
        superseded = wait_for_log_line(
            pipeline, since=since, needles=("object_superseded", key), timeout=WAIT_SECONDS
        )
        conflicts = re.search(r'"write_conflicts": (\d+)', superseded)
        reliability.figure("write conflicts logged", conflicts[1] if conflicts else "none")
    finally:
        release.write_text("go\n")  # a held invocation never outlives the test
        larger_inputs.set(environment={"MAX_INPUT_BYTES": str(MAX_INPUT_BYTES)})
        sqs: SQSClient = connection.session().client("sqs", endpoint_url=connection.endpoint_url)
        queues = (pipeline.outputs.event_dlq_url, pipeline.outputs.function_failure_queue_url)
        reliability.account(
            take_books(
                pipeline,
                {key: ("output", second + b"4\n")},
                summarize=seen,
                failure_messages=queue_messages(sqs, queues),
            )
        )
    outcome = pipeline.outcome(key)
    assert outcome is not None
    assert (outcome.kind, outcome.body) == ("output", second + b"4\n")
    assert '"write_conflicts": 1' in superseded
    pipeline.remove(key)
