"""Each approach on each input, in a process of its own: its whole-process time and peak RSS,
and what its probe measured inside (harness/bench/probe.py); awk as is."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from harness.bench.buckets import BENCH_DESTINATION, BENCH_SOURCE, function_env
from harness.bench.inputs import Input, generate_all
from harness.bench.launcher import measure
from harness.bench.units import mib, ms
from harness.stack import empty_bucket
from kit.console import say
from providers.base import Connection

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

APPROACHES = ("function", "core", "naive", "awk")
# The mixed-width variant of the wide input is only there to show the core's general path.
APPROACHES_OF = {"wide": APPROACHES, "tall": APPROACHES, "mixed": ("core", "awk")}
AWK_PROGRAM = 'NR==2{for(i=1;i<=NF;i++)s+=$i; printf "%.17g\\n", s; exit}'


@dataclass
class Measurement:
    """One approach on one input: its times, peak RSS, sum and S3 traffic, or why it has none."""

    approach: str
    input: Input
    process_seconds: float | None = None  # the whole process, start-up included; None: stopped
    seconds: float | None = None  # in-process: the work alone (the probes only)
    sum_seconds: float | None = None  # in-process: the naive approach's split and sum alone
    peak_rss_kib: int = 0
    total: str | None = None
    read: int | None = None
    answered: int | None = None
    written: int | None = None
    requests: dict[str, int] = field(default_factory=dict)
    get_statuses: dict[str, int] = field(default_factory=dict)
    versioned_gets: int = 0
    note: str = ""

    @property
    def exact(self) -> bool:
        return self.input.is_exact(self.total)


def run_probe(approach: str, item: Input, work: Path, env: dict[str, str], key: str) -> Measurement:
    result_path = work / f"{approach}-{item.shape}-{item.nominal}.json"
    target = str(item.path) if approach == "core" else key
    command = [sys.executable, "-m", "harness.bench.probe", approach, target, str(result_path)]
    seconds, rss, code = measure(
        command, env=env, timeout=900, stdout=result_path.with_suffix(".out")
    )
    run = Measurement(approach, item, peak_rss_kib=rss)
    if seconds is None or code != 0:
        error = result_path.with_suffix(".err").read_text(errors="replace").strip()
        run.note = f"failed (exit {code}): {error.splitlines()[-1] if error else 'no output'}"
        return run
    result = json.loads(result_path.read_text())
    run.process_seconds = seconds
    run.seconds = result["seconds"]
    run.sum_seconds = result.get("sum_seconds")
    run.total = result["sum"]
    run.read, run.written = result["read"], result["written"]
    run.answered = result.get("answered")
    run.requests = result.get("requests", {})
    run.get_statuses = result.get("get_statuses", {})
    run.versioned_gets = result.get("versioned_gets", 0)
    return run


def run_awk(item: Input, work: Path, timeout: float) -> Measurement:
    out = work / f"awk-{item.shape}-{item.nominal}.out"
    seconds, rss, code = measure(
        ["awk", "-F|", AWK_PROGRAM, str(item.path)],
        env=dict(os.environ),
        timeout=timeout,
        stdout=out,
    )
    run = Measurement("awk", item, process_seconds=seconds, peak_rss_kib=rss)
    if seconds is None:
        run.note = f"stopped after {timeout:.0f} s"
    elif code != 0:
        run.note = f"failed (exit {code})"
    else:
        run.total = out.read_text().strip()
    return run


@dataclass(frozen=True)
class Plan:
    """What to measure, where the inputs go, and which function package to measure."""

    work: Path
    sizes: tuple[int, ...]
    awk_timeout: float
    function_root: Path


def measure_all(plan: Plan, connection: Connection, s3: S3Client) -> list[Measurement]:
    """Every approach on every input, one input on disk (and in the bench's source) at a time."""
    runs = []
    for item in generate_all(plan.sizes, plan.work):
        key = item.path.name
        say(f"- {item.label} ({item.size:,} bytes)")
        if "function" in APPROACHES_OF[item.shape]:
            s3.upload_file(str(item.path), BENCH_SOURCE, key)
        env = function_env(connection, plan.function_root) | {"BENCH_OBJECT_SIZE": str(item.size)}
        for approach in APPROACHES_OF[item.shape]:
            if approach == "awk":
                run = run_awk(item, plan.work, plan.awk_timeout)
            else:
                run = run_probe(approach, item, plan.work, env, key)
            say(
                f"  {approach:8} {ms(run.process_seconds):>12} ms whole, "
                f"{ms(run.seconds):>12} ms in-process  {mib(run.peak_rss_kib):>8} MiB  "
                f"sum {run.total} {'exact' if run.exact else 'NOT exact'} {run.note}"
            )
            runs.append(run)
        empty_bucket(connection, BENCH_SOURCE)
        empty_bucket(connection, BENCH_DESTINATION)
        item.path.unlink()
    return runs
