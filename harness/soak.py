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
import dataclasses
import datetime as dt
import itertools
import json
import math
import shutil
import sys
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from harness import reliability
from harness.pipeline import Pipeline
from harness.stack import Stack
from harness.terraform import TerraformError
from kit.books import queue_messages
from kit.console import say, step
from kit.corpus import DEFAULT_MAX_BYTES, CorpusCase
from kit.inputs import (
    INVALID_SHARE,
    SEED,
    PlannedFile,
    batch_prefix,
    file_index,
    plan_files,
    rejected_cases,
)
from kit.paths import REPO_ROOT
from pipesum.storage import REJECTED_PREFIX
from providers.base import Connection, TargetError
from providers.ministack import MiniStack

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient

SOAK_DIR = REPO_ROOT / "build" / "soak"
RESULT_PATH = SOAK_DIR / "result.json"
DEFAULT_FILES = 2000
DEFAULT_RATE = 20.0
DEFAULT_THREADS = 4
DEFAULT_DEADLINE = 600.0
#: Target period of the destination poll; the latency of an outcome is measured to the end of
#: the first ListObjectsV2 that shows it, so it is over-stated by up to one poll cycle.
POLL_SECONDS = 0.15
QUEUE_CHECK_SECONDS = 2.0
PROGRESS_SECONDS = 10.0
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost"})
QUEUE_OUTPUTS = ("event_dlq_url", "function_failure_queue_url")
SHOWN = 10  # keys named in a message; result.json holds them all


# --- pure parts: content, pacing, statistics, accounting ------------------------------------


def due_time(start: float, index: int, rate: float) -> float:
    """When drop number `index` (from 0) is due on a steady schedule of `rate` per second."""
    if rate <= 0:
        raise ValueError(f"rate must be positive, not {rate}")
    return start + index / rate


def wait_before(due: float, now: float) -> float:
    """Seconds to wait until `due`; 0 when behind schedule (the drop goes at once)."""
    return max(0.0, due - now)


def percentile(samples: Iterable[float], fraction: float) -> float:
    """The nearest-rank percentile: the smallest sample with at least `fraction` of all at or
    below it (fraction 0.5 is the median's lower value, 1.0 the maximum)."""
    ordered = sorted(samples)
    if not ordered:
        raise ValueError("no samples")
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], not {fraction}")
    rank = math.ceil(len(ordered) * Decimal(str(fraction)))  # exact: 0.95 * 20 is 19, not 19.0…4
    return ordered[max(1, rank) - 1]


def source_key_of_report(report_key: str) -> str | None:
    """The dropped key a rejection report is for: `_rejected/<key>.json` -> `<key>`."""
    if not (report_key.startswith(REJECTED_PREFIX) and report_key.endswith(".json")):
        return None
    return report_key[len(REJECTED_PREFIX) : -len(".json")]


@dataclass(frozen=True)
class Accounting:
    """The books of a run: what was dropped, where each file ended, and what is wrong."""

    dropped: int
    outputs: int
    reports: int
    failure_messages: int
    missing: list[str]  # dropped keys with neither an output nor a rejection report
    wrong_outputs: list[str]  # outputs whose bytes differ from the expected bytes
    outputs_for_rejected: list[str]  # outputs of files that must be rejected
    wrong_reports: list[str]  # reports for valid files, or naming the wrong error
    unexpected: list[str]  # destination keys under the prefix that no dropped file explains
    both: list[str]  # dropped keys with an output and a rejection report

    @property
    def balanced(self) -> bool:
        return self.dropped == self.outputs + self.reports + self.failure_messages

    @property
    def lost(self) -> int:
        """Files with no outcome that no failure-queue message can stand for."""
        return max(0, len(self.missing) - self.failure_messages)

    @property
    def correct(self) -> bool:
        return not (
            self.wrong_outputs
            or self.outputs_for_rejected
            or self.wrong_reports
            or self.unexpected
            or self.both
        )

    @property
    def passed(self) -> bool:
        return self.balanced and self.lost == 0 and self.correct


def report_matches(planned: PlannedFile, report_body: bytes) -> bool:
    """Whether a rejection report is for this file and names its expected error exactly."""
    try:
        report = json.loads(report_body)
    except ValueError:
        return False
    if not isinstance(report, dict):
        return False
    return (
        report.get("source_key"),
        report.get("error_code"),
        report.get("line"),
        report.get("field"),
    ) == (planned.key, planned.error_code, planned.error_line, planned.error_field)


def account(
    planned: Mapping[str, PlannedFile],
    *,
    dropped: Iterable[str],
    outputs: Mapping[str, bytes],
    reports: Mapping[str, bytes],
    failure_messages: int,
) -> Accounting:
    """Balance the books from the destination's contents (key -> bytes) and the queue counts.

    `planned` maps every key the run meant to drop to its file; `dropped` are the keys whose
    PutObject succeeded; `reports` are keyed by the report's own key (`_rejected/<key>.json`).
    """
    dropped_keys = sorted(set(dropped))
    dropped_set = set(dropped_keys)
    report_sources = {key: source_key_of_report(key) for key in reports}
    reported = {source for source in report_sources.values() if source is not None}
    unexpected = sorted(key for key in outputs if key not in planned or key not in dropped_set)
    unexpected += sorted(
        key for key, source in report_sources.items() if source is None or source not in planned
    )
    wrong_outputs, outputs_for_rejected = [], []
    for key, body in outputs.items():
        file = planned.get(key)
        if file is None:
            continue
        if file.rejected:
            outputs_for_rejected.append(key)
        elif body != file.expected_output:
            wrong_outputs.append(key)
    wrong_reports = []
    for key, source in report_sources.items():
        reported_file = planned.get(source) if source is not None else None
        if reported_file is not None and not (
            reported_file.rejected and report_matches(reported_file, reports[key])
        ):
            wrong_reports.append(reported_file.key)
    return Accounting(
        dropped=len(dropped_keys),
        outputs=len(outputs),
        reports=len(reports),
        failure_messages=failure_messages,
        missing=[key for key in dropped_keys if key not in outputs and key not in reported],
        wrong_outputs=sorted(wrong_outputs),
        outputs_for_rejected=sorted(outputs_for_rejected),
        wrong_reports=sorted(wrong_reports),
        unexpected=unexpected,
        both=sorted(key for key in dropped_keys if key in outputs and key in reported),
    )


def is_loopback(endpoint_url: str | None) -> bool:
    """Whether the endpoint is on this machine's loopback (None is real AWS: never)."""
    return endpoint_url is not None and urlsplit(endpoint_url).hostname in LOOPBACK_HOSTS


@dataclass(frozen=True)
class Timing:
    """The run's clock readings, in seconds of time.monotonic()."""

    latencies: list[float]  # per file with an outcome seen while polling: drop -> first seen
    first_drop: float | None
    last_outcome: float | None
    outcomes_seen: int

    @property
    def span(self) -> float | None:
        if self.first_drop is None or self.last_outcome is None:
            return None
        return self.last_outcome - self.first_drop

    @property
    def throughput(self) -> float | None:
        """Outcomes (outputs and reports) per second, from the first drop to the last outcome."""
        span = self.span
        return None if span is None or span <= 0 else self.outcomes_seen / span


def accounting_line(books: Accounting, timing: Timing) -> str:
    throughput = "n/a" if timing.throughput is None else f"{timing.throughput:.1f}"
    if timing.latencies:
        latency = (
            f"latency p50 {percentile(timing.latencies, 0.5):.2f} s "
            f"p95 {percentile(timing.latencies, 0.95):.2f} s "
            f"max {max(timing.latencies):.2f} s"
        )
    else:
        latency = "latency n/a"
    return (
        f"soak: dropped {books.dropped} = outputs {books.outputs} + rejection reports "
        f"{books.reports} + failure-queue messages {books.failure_messages}"
        f"{'' if books.balanced else ' DOES NOT BALANCE'}; lost {books.lost}; "
        f"{throughput} files/s; {latency}"
    )


def problems(books: Accounting, *, drop_errors: Sequence[str]) -> list[str]:
    """One line per thing that makes the run fail, naming the first keys concerned."""

    def named(keys: Sequence[str]) -> str:
        more = f" and {len(keys) - SHOWN} more" if len(keys) > SHOWN else ""
        return ", ".join(keys[:SHOWN]) + more

    found = []
    for label, keys in (
        ("PutObject failed", drop_errors),
        ("no outcome", books.missing),
        ("output bytes wrong", books.wrong_outputs),
        ("output written for a file that must be rejected", books.outputs_for_rejected),
        ("rejection report wrong or for a valid file", books.wrong_reports),
        ("destination key no dropped file explains", books.unexpected),
        ("both an output and a rejection report", books.both),
    ):
        if keys:
            found.append(f"{label} ({len(keys)}): {named(keys)}")
    if not books.balanced:
        found.append(
            f"the books do not balance: dropped {books.dropped} != outputs {books.outputs} + "
            f"reports {books.reports} + failure-queue messages {books.failure_messages}"
        )
    return found


# --- the run against a deployed stack -------------------------------------------------------


class Ledger:
    """Thread-safe record of drops (key -> monotonic time PutObject returned) and errors."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.dropped_at: dict[str, float] = {}
        self.errors: list[str] = []
        self.max_lag = 0.0  # how far behind its schedule the latest drop started, at worst

    def dropped(self, key: str, at: float, lag: float) -> None:
        with self._lock:
            self.dropped_at[key] = at
            self.max_lag = max(self.max_lag, lag)

    def failed(self, key: str, error: str) -> None:
        with self._lock:
            self.errors.append(f"{key}: {error}")

    def snapshot(self) -> dict[str, float]:
        with self._lock:
            return dict(self.dropped_at)


@dataclass
class Run:
    s3: S3Client
    sqs: SQSClient
    source_bucket: str
    destination_bucket: str
    queue_urls: tuple[str, ...]
    planned: list[PlannedFile]
    rate: float
    threads: int
    deadline: float  # seconds from the first scheduled drop
    run_prefix: str
    ledger: Ledger = field(default_factory=Ledger)
    seen_at: dict[str, float] = field(default_factory=dict)  # source key -> first seen
    polls: int = 0
    poll_seconds_total: float = 0.0
    timed_out: bool = False
    stopping: threading.Event = field(default_factory=threading.Event)

    def drop_all(self, start: float) -> None:
        """Drop every planned file on schedule, from `threads` threads sharing one counter."""
        counter = itertools.count()
        lock = threading.Lock()

        def worker() -> None:
            while not self.stopping.is_set():
                with lock:
                    index = next(counter)
                if index >= len(self.planned):
                    return
                due = due_time(start, index, self.rate)
                self.stopping.wait(wait_before(due, time.monotonic()))  # pacing to the schedule
                if self.stopping.is_set():
                    return
                file = self.planned[index]
                lag = time.monotonic() - due
                try:
                    self.s3.put_object(Bucket=self.source_bucket, Key=file.key, Body=file.body)
                except (ClientError, BotoCoreError) as error:
                    self.ledger.failed(file.key, str(error))
                    continue
                self.ledger.dropped(file.key, time.monotonic(), lag)

        with ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="drop") as pool:
            for future in [pool.submit(worker) for _ in range(self.threads)]:
                future.result()

    def failure_messages(self) -> int:
        return queue_messages(self.sqs, self.queue_urls)

    def list_keys(self, prefix: str) -> list[str]:
        keys: list[str] = []
        paginator = self.s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.destination_bucket, Prefix=prefix):
            keys.extend(item["Key"] for item in page.get("Contents", []))
        return keys

    def poll_once(self, pending_batches: Iterable[str]) -> None:
        for batch in pending_batches:
            started = time.monotonic()
            outputs = self.list_keys(batch)
            reports = self.list_keys(REJECTED_PREFIX + batch)
            seen = time.monotonic()
            self.polls += 1
            self.poll_seconds_total += seen - started
            for key in outputs:
                self.seen_at.setdefault(key, seen)
            for report in reports:
                source = source_key_of_report(report)
                if source is not None:
                    self.seen_at.setdefault(source, seen)

    def watch(self, start: float, dropping: threading.Thread) -> None:
        """Poll until every dropped file has an outcome (or a failure message), or the deadline."""
        end = start + self.deadline
        next_poll = next_queue_check = next_progress = time.monotonic()
        failures = 0
        while True:
            now = time.monotonic()
            dropped = self.ledger.snapshot()
            waiting = [key for key in dropped if key not in self.seen_at]
            if now >= next_queue_check:
                failures = self.failure_messages()
                next_queue_check = now + QUEUE_CHECK_SECONDS
            if not dropping.is_alive() and len(waiting) <= failures:
                return
            if now >= next_progress:
                say(
                    f"  {now - start:5.0f} s: dropped {len(dropped)}/{len(self.planned)}, "
                    f"outcomes {len(self.seen_at)}, waiting {len(waiting)}, "
                    f"failure-queue messages {failures}"
                )
                next_progress = now + PROGRESS_SECONDS
            if now >= end:
                self.timed_out = True
                self.stopping.set()
                return
            self.poll_once(sorted({batch_prefix(self.run_prefix, file_index(k)) for k in waiting}))
            next_poll += POLL_SECONDS
            time.sleep(wait_before(next_poll, time.monotonic()))
            next_poll = max(next_poll, time.monotonic())

    def read(self, keys: Sequence[str]) -> dict[str, bytes]:
        def get(key: str) -> tuple[str, bytes]:
            body = self.s3.get_object(Bucket=self.destination_bucket, Key=key)["Body"].read()
            return key, body

        with ThreadPoolExecutor(max_workers=8, thread_name_prefix="read") as pool:
            return dict(pool.map(get, keys))

    def timing(self) -> Timing:
        dropped = self.ledger.snapshot()
        latencies = [self.seen_at[key] - at for key, at in dropped.items() if key in self.seen_at]
        seen = [self.seen_at[key] for key in dropped if key in self.seen_at]
        return Timing(
            latencies=latencies,
            first_drop=min(dropped.values(), default=None),
            last_outcome=max(seen, default=None),
            outcomes_seen=len(seen),
        )


def soak(run: Run) -> tuple[Accounting, Timing]:
    start = time.monotonic() + 0.5  # the first drop is due half a second from now
    dropping = threading.Thread(target=run.drop_all, args=(start,), name="drops", daemon=True)
    dropping.start()
    try:
        run.watch(start, dropping)
    finally:
        run.stopping.set()
        dropping.join()
    # The books come from a full listing after the watch, not from what the polls saw.
    output_keys = run.list_keys(f"{run.run_prefix}/")
    report_keys = run.list_keys(f"{REJECTED_PREFIX}{run.run_prefix}/")
    books = account(
        {file.key: file for file in run.planned},
        dropped=run.ledger.snapshot(),
        outputs=run.read(output_keys),
        reports=run.read(report_keys),
        failure_messages=run.failure_messages(),
    )
    return books, run.timing()


def deploy(connection: Connection, emulator: MiniStack, *, reserved_concurrency: int) -> Stack:
    workdir = SOAK_DIR / "terraform"
    for stale in workdir.glob("terraform.tfstate*"):
        stale.unlink()  # state of an earlier emulator describes nothing in this new one
    return Stack(
        connection,
        workdir=workdir,
        terraform_command=emulator.terraform_command,
        environment="soak",
        local_backend=True,
        throwaway=True,
        zip_path=SOAK_DIR / "function.zip",
        extra_variables={
            "max_input_bytes": DEFAULT_MAX_BYTES,
            "lambda_reserved_concurrency": reserved_concurrency,
        },
    )


def lambda_throttles(connection: Connection, function_name: str, since: float) -> int:
    """Throttled invocations of the function since `since` (time.time()), from AWS/Lambda.

    A throttled event is retried until its maximum age, so throttles alone lose nothing.
    """
    cloudwatch: Any = connection.session().client(
        "cloudwatch", endpoint_url=connection.endpoint_url
    )
    points = cloudwatch.get_metric_statistics(
        Namespace="AWS/Lambda",
        MetricName="Throttles",
        Dimensions=[{"Name": "FunctionName", "Value": function_name}],
        StartTime=dt.datetime.fromtimestamp(since - 60, tz=dt.UTC),
        EndTime=dt.datetime.now(tz=dt.UTC) + dt.timedelta(minutes=1),
        Period=60,
        Statistics=["Sum"],
    )["Datapoints"]
    return int(sum(point.get("Sum", 0) for point in points))


def result_document(
    run: Run, books: Accounting, timing: Timing, *, passed: bool, failures: list[str]
) -> dict[str, object]:
    latencies = sorted(timing.latencies)
    return {
        "passed": passed,
        "problems": failures,
        "files": len(run.planned),
        "rate_files_per_s": run.rate,
        "threads": run.threads,
        "deadline_s": run.deadline,
        "timed_out": run.timed_out,
        "poll_period_s": POLL_SECONDS,
        "mean_list_round_trip_s": run.poll_seconds_total / run.polls if run.polls else None,
        "max_drop_lag_s": run.ledger.max_lag,
        "accounting": dataclasses.asdict(books)
        | {"balanced": books.balanced, "lost": books.lost, "correct": books.correct},
        "span_s": timing.span,
        "throughput_files_per_s": timing.throughput,
        "latency_s": {
            "p50": percentile(latencies, 0.5) if latencies else None,
            "p95": percentile(latencies, 0.95) if latencies else None,
            "max": latencies[-1] if latencies else None,
            "samples": latencies,
        },
        "drop_errors": run.ledger.errors,
        "cases": dict(sorted(_count_cases(run.planned).items())),
    }


def _count_cases(planned: Iterable[PlannedFile]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for file in planned:
        counts[file.case] = counts.get(file.case, 0) + 1
    return counts


def soak_scenario(args: argparse.Namespace, cases: Sequence[CorpusCase]) -> reliability.Scenario:
    invalid = round(args.files * INVALID_SHARE)
    return reliability.Scenario(
        "soak",
        title="Soak: a steady stream of mixed valid and invalid files through a fresh stack",
        done=(
            f"{args.files} files dropped at {args.rate:g} files/s from {args.threads} threads "
            f"into a freshly deployed stack on MiniStack: {args.files - invalid} valid with "
            f"varied numbers, {invalid} invalid from {min(invalid, len(cases))} rejected corpus "
            f"cases; function reserved concurrency {args.reserved_concurrency} (-1: unreserved, "
            "as envs/dev.tfvars)"
        ),
        asserts=(
            "dropped = outputs + rejection reports + failure-queue messages; none lost; every "
            "output byte-correct, every rejection report for an expected rejection with its "
            "expected error code, line and field; no PutObject failed, no throttled invocation, "
            "within the deadline"
        ),
        command="make soak",
    )


def soak_books(books: Accounting) -> reliability.Books:
    """The soak's books as the reliability record counts them."""
    return reliability.Books(
        dropped=books.dropped,
        outcomes=books.dropped - len(books.missing),
        failure_messages=books.failure_messages,
        missing=tuple(books.missing),
        wrong=tuple(
            sorted({*books.wrong_outputs, *books.outputs_for_rejected, *books.wrong_reports})
        ),
    )


def soak_figures(run: Run, books: Accounting, timing: Timing) -> dict[str, str]:
    latencies = timing.latencies
    figures = {
        "rate": f"{run.rate:g} files/s",
        "threads": str(run.threads),
        "outputs": str(books.outputs),
        "rejection reports": str(books.reports),
        "throughput": "n/a" if timing.throughput is None else f"{timing.throughput:.1f} files/s",
    }
    if latencies:
        figures |= {
            "latency p50": f"{percentile(latencies, 0.5):.2f} s",
            "latency p95": f"{percentile(latencies, 0.95):.2f} s",
            "latency max": f"{max(latencies):.2f} s",
        }
    return figures | {"poll period": f"{POLL_SECONDS * 1000:.0f} ms"}


def write_record(
    scenario: reliability.Scenario,
    result: reliability.Result,
    *,
    failure: str = "",
    figures: Mapping[str, str] | None = None,
    books: reliability.Books | None = None,
) -> None:
    record = reliability.make_record(
        scenario, result, target="ministack", failure=failure, figures=figures, books=books
    )
    say(f"- recorded {result} in {reliability.write(record).relative_to(REPO_ROOT)}")


def run_soak(args: argparse.Namespace) -> int:
    cases = rejected_cases()
    SOAK_DIR.mkdir(parents=True, exist_ok=True)
    # A fresh emulator each run: data an earlier, interrupted run left would clash with the apply.
    shutil.rmtree(SOAK_DIR / "ministack", ignore_errors=True)
    emulator = MiniStack(state_dir=SOAK_DIR / "ministack")
    stack: Stack | None = None
    try:
        connection = emulator.connection()
        if not is_loopback(connection.endpoint_url):
            say(f"refusing to soak a non-loopback endpoint: {connection.endpoint_url}")
            return 2
        step(f"starting MiniStack on {emulator.endpoint_url}", emulator.start)
        stack = deploy(connection, emulator, reserved_concurrency=args.reserved_concurrency)
        step("deploying terraform/ to it", stack.deploy)
        raw = stack.terraform.outputs()
        outputs = stack.outputs()
        session = connection.session()
        client_config = Config(max_pool_connections=max(16, args.threads * 2))
        run = Run(
            s3=session.client("s3", endpoint_url=connection.endpoint_url, config=client_config),
            sqs=session.client("sqs", endpoint_url=connection.endpoint_url),
            source_bucket=outputs.source_bucket,
            destination_bucket=outputs.destination_bucket,
            queue_urls=tuple(raw[name] for name in QUEUE_OUTPUTS),
            planned=plan_files(args.files, run_prefix="soak", rejected_cases=cases, seed=args.seed),
            rate=args.rate,
            threads=args.threads,
            deadline=args.deadline,
            run_prefix="soak",
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
    finally:
        if stack is not None:
            try:
                step("destroying the stack", stack.destroy)
            except TerraformError as error:
                say(f"  could not destroy the stack: {error}")
        emulator.stop()
        say("- stopped MiniStack")


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
            "the function's reserved concurrency (default -1: unreserved, as envs/dev.tfvars). "
            "MiniStack drops a throttled EventBridge delivery where AWS retries it, so a reserve "
            "the cold-start burst exceeds loses files on the emulator only"
        ),
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


if __name__ == "__main__":
    sys.exit(main())
