"""What a soak leaves: its accounting line, build/soak/result.json's document, and its
reliability record (the scenario as declared, the books, the figures)."""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Iterable, Mapping, Sequence

from harness import reliability
from harness.soak.accounting import Accounting
from harness.soak.runner import POLL_SECONDS, SoakRun, Timing
from kit.console import say
from kit.corpus import CorpusCase
from kit.inputs import INVALID_SHARE, PlannedFile
from kit.paths import REPO_ROOT
from kit.statistics import percentile


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


def result_document(
    run: SoakRun, books: Accounting, timing: Timing, *, passed: bool, failures: list[str]
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
    command = "make soak"
    if args.scenario != "soak":
        command = (
            f"python -m harness.soak --scenario {args.scenario} --files {args.files} "
            f"--rate {args.rate:g} --threads {args.threads} --deadline {args.deadline:g}"
        )
    name = "Soak" if args.scenario == "soak" else f"Soak ({args.scenario})"
    return reliability.Scenario(
        args.scenario,
        title=f"{name}: a steady stream of mixed valid and invalid files through a fresh stack",
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
        command=command,
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


def soak_figures(run: SoakRun, books: Accounting, timing: Timing) -> dict[str, str]:
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
