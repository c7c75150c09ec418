"""Soak: thousands of files at a steady rate through a fresh stack, every one accounted for.

`make soak` (`python -m harness.soak [--files N] [--rate R] [--threads T] [--deadline S]`) starts
its own MiniStack on a free loopback port (state under build/soak/), deploys terraform/ to it,
and drops `--files` objects, about three in four valid with varied numbers and one in four taken
from the rejected cases of tests/corpus, at `--rate` files per second from a few threads paced to
a schedule. It polls the destination bucket (ListObjectsV2 of the run's prefix and of
`_rejected/<prefix>`) about every POLL_SECONDS, records when each outcome is first seen, and
ends when every file has an outcome or the deadline passes. Then it balances the books:

    dropped = outputs + rejection reports + failure-queue messages

with every output byte-correct and every rejection report naming the expected error. It prints
one accounting line, writes build/soak/result.json and the reliability record "soak" (passed,
FAILED or error: every run leaves one). Exit code 0 only if the books balance, nothing is lost
and everything is correct. The stack is destroyed and the emulator stopped whatever happens.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import time
from collections.abc import Sequence
from urllib.parse import urlsplit

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from harness.pipeline import Pipeline
from harness.soak.accounting import problems
from harness.soak.report import (
    accounting_line,
    result_document,
    soak_books,
    soak_figures,
    soak_scenario,
    write_record,
)
from harness.soak.runner import POLL_SECONDS, SoakRun, soak
from harness.soak.throttles import lambda_throttles
from harness.stack import Stack, throwaway_stack
from harness.terraform import TerraformError
from kit.console import say, step
from kit.corpus import DEFAULT_MAX_BYTES, CorpusCase
from kit.inputs import SEED, plan_files, rejected_cases
from kit.paths import REPO_ROOT
from providers.base import Connection, TargetError
from providers.ministack import MiniStack

SOAK_DIR = REPO_ROOT / "build" / "soak"
RESULT_PATH = SOAK_DIR / "result.json"
DEFAULT_FILES = 2000
DEFAULT_RATE = 20.0
DEFAULT_THREADS = 4
DEFAULT_DEADLINE = 600.0
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost"})
RUN_PREFIX = "soak"


def is_loopback(endpoint_url: str | None) -> bool:
    """Whether the endpoint is on this machine's loopback (None is real AWS: never)."""
    return endpoint_url is not None and urlsplit(endpoint_url).hostname in LOOPBACK_HOSTS


def run_soak(args: argparse.Namespace) -> int:
    cases = rejected_cases()
    SOAK_DIR.mkdir(parents=True, exist_ok=True)
    # A fresh emulator each run: data an earlier, interrupted run left would clash with the apply.
    shutil.rmtree(SOAK_DIR / "ministack", ignore_errors=True)
    emulator = MiniStack(state_dir=SOAK_DIR / "ministack")
    try:
        connection = emulator.connection()
        if not is_loopback(connection.endpoint_url):
            say(f"refusing to soak a non-loopback endpoint: {connection.endpoint_url}")
            return 2
        step(f"starting MiniStack on {emulator.endpoint_url}", emulator.start)
        return soak_a_fresh_stack(emulator, connection, args, cases)
    finally:
        emulator.stop()
        say("- stopped MiniStack")


def soak_a_fresh_stack(
    emulator: MiniStack,
    connection: Connection,
    args: argparse.Namespace,
    cases: Sequence[CorpusCase],
) -> int:
    """Deploy terraform/ to the emulator, soak it, and destroy it whatever happened; once the soak
    has a result, a stack that cannot be destroyed is reported and the result stands."""
    with contextlib.ExitStack() as teardown:
        stack = step(
            "deploying terraform/ to it",
            lambda: teardown.enter_context(
                throwaway_stack(
                    emulator,
                    connection,
                    SOAK_DIR,
                    environment="soak",
                    var_file=None,
                    extra_variables={
                        "max_input_bytes": DEFAULT_MAX_BYTES,
                        "lambda_reserved_concurrency": args.reserved_concurrency,
                    },
                )
            ),
        )
        result = soak_stack(stack, connection, args, cases)
        destroy = teardown.pop_all()  # the soak has a result: destroy below, where it is reported
    try:
        step("destroying the stack", destroy.close)
    except TerraformError as error:
        say(f"  could not destroy the stack: {error}")
    return result


def soak_stack(
    stack: Stack, connection: Connection, args: argparse.Namespace, cases: Sequence[CorpusCase]
) -> int:
    """Soak the deployed stack, print and record what it showed; 0 if it passed, else 1."""
    outputs = stack.outputs()
    session = connection.session()
    client_config = Config(max_pool_connections=max(16, args.threads * 2))
    run = SoakRun(
        s3=session.client("s3", endpoint_url=connection.endpoint_url, config=client_config),
        sqs=session.client("sqs", endpoint_url=connection.endpoint_url),
        source_bucket=outputs.source_bucket,
        destination_bucket=outputs.destination_bucket,
        queue_urls=(outputs.event_dlq_url, outputs.function_failure_queue_url),
        planned=plan_files(args.files, run_prefix=RUN_PREFIX, rejected_cases=cases, seed=args.seed),
        rate=args.rate,
        threads=args.threads,
        deadline=args.deadline,
        run_prefix=RUN_PREFIX,
    )
    say(
        f"- dropping {args.files} files at {args.rate:g} files/s from {args.threads} threads "
        f"(deadline {args.deadline:.0f} s; polling the destination every "
        f"{POLL_SECONDS * 1000:.0f} ms)"
    )
    started_at = time.time()
    books, timing = soak(run)
    line = accounting_line(books, timing)
    failures = problems(books, drop_errors=run.ledger.errors)
    throttles = lambda_throttles(connection, outputs.function_name, started_at)
    if throttles:
        failures.append(
            f"{throttles} invocations were throttled (AWS/Lambda Throttles): on MiniStack a "
            "throttled EventBridge delivery is dropped, not retried nor queued"
        )
    pipeline = Pipeline(outputs, connection)
    failures += [f"{key}: {pipeline.diagnose(key, started_at)}" for key in books.missing[:3]]
    if run.timed_out:
        failures.insert(0, f"deadline of {args.deadline:.0f} s passed")
    passed = books.passed and not failures
    RESULT_PATH.write_text(
        json.dumps(
            result_document(run, books, timing, passed=passed, failures=failures)
            | {"throttles": throttles, "reserved_concurrency": args.reserved_concurrency},
            indent=2,
        )
        + "\n"
    )
    say(line)
    for problem in failures:
        say(f"  FAILED: {problem}")
    say(f"- wrote {RESULT_PATH.relative_to(REPO_ROOT)}")
    write_record(
        soak_scenario(args, cases),
        "passed" if passed else "FAILED",
        failure="; ".join(failures),
        figures=soak_figures(run, books, timing) | {"throttled invocations": str(throttles)},
        books=soak_books(books),
    )
    return 0 if passed else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="harness.soak", description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=DEFAULT_FILES, help="files to drop")
    parser.add_argument("--rate", type=float, default=DEFAULT_RATE, help="files per second")
    parser.add_argument("--threads", type=int, default=DEFAULT_THREADS, help="dropping threads")
    parser.add_argument(
        "--deadline",
        type=float,
        default=DEFAULT_DEADLINE,
        help="seconds from the first drop after which the run stops and reports what is missing",
    )
    parser.add_argument("--seed", type=int, default=SEED, help="seed of the generated content")
    parser.add_argument(
        "--reserved-concurrency",
        type=int,
        default=-1,
        help=(
            "the function's reserved concurrency (default -1: unreserved, as envs/dev.tfvars); "
            "a throttled delivery is retried until its maximum event age, as on AWS"
        ),
    )
    parser.add_argument(
        "--scenario",
        default="soak",
        help="the reliability scenario the run is recorded as (default: soak, `make soak`'s)",
    )
    args = parser.parse_args(argv)
    if args.files < 1 or args.rate <= 0 or args.threads < 1 or args.deadline <= 0:
        parser.error("--files, --rate, --threads and --deadline must be positive")
    try:
        return run_soak(args)
    except (TargetError, TerraformError, ClientError, BotoCoreError) as error:
        say(f"\nerror: {error}")
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        write_record(soak_scenario(args, rejected_cases()), "error", failure=first_line)
        return 1
