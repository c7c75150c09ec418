"""`python -m harness.bench [--requests-only]`: measure, then write docs/benchmarks.md."""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import harness.bench
from harness.bench.buckets import create_buckets_as_deployed
from harness.bench.chart import write_chart
from harness.bench.inputs import SIZES
from harness.bench.latency import drop_latencies
from harness.bench.launcher import launcher_floor
from harness.bench.machine import Setup, awk_identity, emulator_text, machine
from harness.bench.package_figures import package_figures
from harness.bench.report import render, targets
from harness.bench.requests import (
    BASELINE,
    compare_requests,
    requests_section,
    write_requests_section,
)
from harness.bench.runner import Plan, measure_all
from harness.pipeline import Pipeline
from harness.stack import throwaway_stack
from kit.console import say, step
from kit.paths import REPO_ROOT
from providers.ministack import MiniStack
from providers.ports import free_port

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

DOCS = REPO_ROOT / "docs"


def arguments(argv: list[str] | None) -> argparse.Namespace:
    summary = (harness.bench.__doc__ or "").splitlines()[0]
    parser = argparse.ArgumentParser(prog="python -m harness.bench", description=summary)
    parser.add_argument(
        "--sizes", default=",".join(str(s) for s in SIZES), help="bytes, comma-separated"
    )
    parser.add_argument("--drops", type=int, default=50, help="sample drops timed end to end")
    parser.add_argument(
        "--awk-timeout", type=float, default=120.0, help="seconds before awk is stopped"
    )
    parser.add_argument(
        "--emulator",
        choices=("patched", "upstream"),
        default="patched",
        help="MiniStack with pipesum's patches (as the tests run it), or as upstream ships it",
    )
    parser.add_argument(
        "--function-root",
        type=Path,
        default=REPO_ROOT / "function",
        help="the function package to measure (another revision's function/, to compare)",
    )
    parser.add_argument(
        "--baseline",
        default=BASELINE,
        help="the commit whose function/ is counted as 'before' in the requests per event",
    )
    parser.add_argument(
        "--requests-only",
        action="store_true",
        help="only count the S3 requests per event and rewrite that section of --output",
    )
    parser.add_argument("--output", type=Path, default=DOCS / "benchmarks.md")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    if not (args.function_root / "pipesum" / "handler.py").is_file():
        say(f"{args.function_root} holds no pipesum/handler.py: give a function/ directory.")
        return 1
    if not args.output.parent.is_dir():
        say(f"{args.output.parent} is not a directory: the page and its chart are written there.")
        return 1
    awk = awk_identity()
    load_before = os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix="pipesum-bench-"))
    patched = args.emulator == "patched"
    emulator = MiniStack(port=free_port(), state_dir=work / "ministack", patched=patched)
    plan = Plan(
        work=work,
        sizes=tuple(int(size) for size in args.sizes.split(",")),
        awk_timeout=args.awk_timeout,
        function_root=args.function_root.resolve(),
    )
    with contextlib.ExitStack() as cleanup:
        cleanup.callback(shutil.rmtree, work, ignore_errors=True)
        floor = launcher_floor(work)
        package = step("measuring the package and its import time", lambda: package_figures(work))
        cleanup.callback(emulator.stop)  # also when it failed to start halfway
        connection = step(f"starting MiniStack on {emulator.endpoint_url}", emulator.start)
        stack = step(
            "deploying terraform/ to it",
            lambda: cleanup.enter_context(
                throwaway_stack(
                    emulator, connection, work / "stack", environment="bench", var_file=None
                )
            ),
        )
        cleanup.callback(say, "- destroying the stack and stopping MiniStack")
        outputs = stack.outputs()
        s3: S3Client = connection.session().client("s3", endpoint_url=connection.endpoint_url)
        buckets = create_buckets_as_deployed(s3, outputs)
        for line in buckets:
            say(f"  {line}")
        counts = step(
            f"counting S3 requests per event by path, now and at {args.baseline}",
            lambda: compare_requests(connection, plan.function_root, work, args.baseline, buckets),
        )
        if args.requests_only:
            write_requests_section(args.output, requests_section(counts))
            say(f"- rewrote the requests per event in {args.output}")
            return 0
        pipeline = Pipeline(outputs, connection)
        latency = step(
            f"timing {args.drops} drops of the sample end to end",
            lambda: drop_latencies(pipeline, args.drops),
        )
        say(f"  p50 {latency.p50 * 1000:.0f} ms, p95 {latency.p95 * 1000:.0f} ms")
        runs = measure_all(plan, connection, s3)
    setup = Setup(emulator_text(patched), awk, floor, buckets, plan.function_root)
    chart = args.output.with_suffix(".png")
    write_chart(runs, chart)
    page = render(runs, latency, package, machine(load_before, setup), setup, chart.name)
    args.output.write_text(page)
    write_requests_section(args.output, requests_section(counts))
    say(f"- wrote {args.output} and {chart}")
    for line in targets(runs, latency):
        say(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
