"""The soak's run on a deployed stack: drops on a steady schedule from a few threads, polls
the destination for each file's first outcome, and takes the books from a full listing."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from harness.soak.accounting import Accounting, account, source_key_of_report
from kit.books import queue_messages
from kit.console import say
from kit.inputs import PlannedFile, batch_prefix, file_index
from pipesum.storage import REJECTED_PREFIX

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sqs import SQSClient

#: Target period of the destination poll; the latency of an outcome is measured to the end of
#: the first ListObjectsV2 that shows it, so it is over-stated by up to one poll cycle.
POLL_SECONDS = 0.15
QUEUE_CHECK_SECONDS = 2.0
PROGRESS_SECONDS = 10.0


def due_time(start: float, index: int, rate: float) -> float:
    """When drop number `index` (from 0) is due on a steady schedule of `rate` per second."""
    if rate <= 0:
        raise ValueError(f"rate must be positive, not {rate}")
    return start + index / rate


def wait_before(due: float, now: float) -> float:
    """Seconds to wait until `due`; 0 when behind schedule (the drop goes at once)."""
    return max(0.0, due - now)


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
class SoakRun:
    """A soak in progress on a deployed stack: drops the planned files on schedule and watches
    the destination for each one's first outcome."""

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


def soak(run: SoakRun) -> tuple[Accounting, Timing]:
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
