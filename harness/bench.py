"""`make bench`: the function, its core, a naive baseline and awk, side by side.

It generates inputs of 1 KiB, 64 MiB and 512 MiB in two shapes in a temporary directory, starts a
MiniStack of its own on a free port, deploys the Terraform root to it, and then:

- times 50 drops of the sample file through the deployed pipeline (drop to output visible);
- runs each approach on each input in a process of its own (harness/bench_probe.py; awk as is),
  reading its peak RSS from os.wait4: the function is called in-process against the emulator's
  S3 (on buckets without events), because neither its RSS nor its S3 traffic can be measured
  inside the emulator's Lambda worker;
- writes docs/benchmarks.md and docs/benchmarks.png.

The emulator and the inputs are removed at the end, also when something fails.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, TypeVar

from botocore.exceptions import ClientError

from harness.package import build_zip
from harness.pipeline import Pipeline
from harness.stack import Stack, current_commit
from harness.terraform import REPO_ROOT
from providers.base import Connection
from providers.ministack import MiniStack
from providers.ports import free_port

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

T = TypeVar("T")
KIB, MIB = 1 << 10, 1 << 20
SIZES = (KIB, 64 * MIB, 512 * MIB)
SHAPES = ("wide", "tall", "mixed")
APPROACHES = ("function", "core", "naive", "awk")
# The mixed-width variant of the wide input is only there to show the core's general path.
APPROACHES_OF = {"wide": APPROACHES, "tall": APPROACHES, "mixed": ("core",)}
AWK_PROGRAM = 'NR==2{for(i=1;i<=NF;i++)s+=$i; printf "%.17g\\n", s; exit}'
DOCS = REPO_ROOT / "docs"
SAMPLE = REPO_ROOT / "triggerFile.txt"
BENCH_SOURCE = "pipesum-bench-source"
BENCH_DESTINATION = "pipesum-bench-destination"
TARGET_RSS_MIB = 100
LATENCY_DEADLINE = 30.0


def say(message: str) -> None:
    print(message, flush=True)


# --- inputs --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Input:
    shape: str  # "wide"/"mixed": a huge line 2 (fixed/varying widths); "tall": many more rows
    nominal: int
    path: Path
    size: int
    row_2_bytes: int
    exact_sum: str

    @property
    def label(self) -> str:
        return f"{human(self.nominal)} {self.shape}"


def generate(shape: str, nominal: int, directory: Path) -> Input:
    """Write an input of about `nominal` bytes; its exact sum is known from how it was made."""
    path = directory / f"{shape}-{nominal}.txt"
    # Amounts 1000.00 to 9999.99 (wide: all 7 bytes) or 0.01 to 99999.99 (mixed: 4 to 8 bytes),
    # the same for every run (a seeded generator: not for secrets).
    low, high = (1, 10_000_000) if shape == "mixed" else (100_000, 1_000_000)
    amounts = random.Random(nominal).choices(range(low, high), k=4096)  # noqa: S311
    texts = [f"{cents // 100}.{cents % 100:02d}".encode() for cents in amounts]
    with path.open("wb") as out:
        if shape in {"wide", "mixed"}:
            fields = max(nominal // 10, 2)  # 'c|' in line 1, about 'dddd.dd|' in line 2
            full, rest = divmod(fields - 1, len(texts))
            rest += 1
            write_repeated(out, b"c|", fields - 1)
            out.write(b"c\n")
            block = b"|".join(texts) + b"|"
            for _ in range(full):
                out.write(block)
            out.write(b"|".join(texts[:rest]) + b"\n")
            cents = full * sum(amounts) + sum(amounts[:rest])
            row_2 = full * len(block) + len(b"|".join(texts[:rest]))
        else:
            head = b"sbx|dev|tst|prd|srd\n7101.25|3501.50|0862.75|4284.00|7437.10\n"
            out.write(head)
            filler = b"7101|3501|0862|4284|7437\n"
            write_repeated(out, filler, max(nominal - len(head), 0) // len(filler))
            cents = 2318660
            row_2 = len(head.split(b"\n")[1])
    return Input(
        shape=shape,
        nominal=nominal,
        path=path,
        size=path.stat().st_size,
        row_2_bytes=row_2,
        exact_sum=f"{cents // 100}.{cents % 100:02d}",
    )


def write_repeated(out: BinaryIO, unit: bytes, count: int) -> None:
    block_units = max(1, MIB // len(unit))
    full, rest = divmod(count, block_units)
    block = unit * block_units
    for _ in range(full):
        out.write(block)
    out.write(unit * rest)


# --- measuring one approach in a process of its own ----------------------------------------------


@dataclass
class Run:
    approach: str
    input: Input
    seconds: float | None = None  # None: did not finish
    peak_rss_kib: int = 0
    total: str | None = None
    read: int | None = None
    written: int | None = None
    requests: dict[str, int] = field(default_factory=dict)
    note: str = ""

    @property
    def exact(self) -> bool:
        return self.total == self.input.exact_sum

    @property
    def row_2_mb_per_s(self) -> float | None:
        if self.seconds is None or self.input.shape == "tall":
            return None
        return self.input.row_2_bytes / self.seconds / 1e6


# Linux keeps a process's peak RSS across fork and exec: a child of this (large) process would
# report at least this process's RSS. So each approach is started by this small launcher, whose
# own RSS at the fork (about 6 MiB) is then the floor of every figure.
LAUNCHER = """
import os, sys, time
report, command = sys.argv[1], sys.argv[2:]
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(command[0], command)
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - started
with open(report, "w") as out:
    out.write(f"{usage.ru_maxrss} {seconds} {os.waitstatus_to_exitcode(status)}")
"""


def measure(
    command: list[str], *, env: dict[str, str], timeout: float, stdout: Path
) -> tuple[float | None, int, int]:
    """Run `command`; return (its seconds, or None if stopped at `timeout`; peak RSS KiB; code)."""
    report = stdout.with_suffix(".rusage")
    launcher = [sys.executable, "-S", "-I", "-c", LAUNCHER, str(report), *command]
    with stdout.open("wb") as out, stdout.with_suffix(".err").open("wb") as err:
        process = subprocess.Popen(
            launcher, stdout=out, stderr=err, env=env, cwd=REPO_ROOT, start_new_session=True
        )
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the launcher's own group: it and its child
            process.wait()
            return None, 0, -signal.SIGKILL
    rss, seconds, code = report.read_text().split()
    return float(seconds), int(rss), int(code)


def run_probe(approach: str, item: Input, work: Path, env: dict[str, str], key: str) -> Run:
    result_path = work / f"{approach}-{item.shape}-{item.nominal}.json"
    target = str(item.path) if approach == "core" else key
    command = [sys.executable, "-m", "harness.bench_probe", approach, target, str(result_path)]
    seconds, rss, code = measure(
        command, env=env, timeout=900, stdout=result_path.with_suffix(".out")
    )
    run = Run(approach, item, peak_rss_kib=rss)
    if seconds is None or code != 0:
        error = result_path.with_suffix(".err").read_text(errors="replace").strip()
        run.note = f"failed (exit {code}): {error.splitlines()[-1] if error else 'no output'}"
        return run
    result = json.loads(result_path.read_text())
    run.seconds = result["seconds"]
    run.total = result["sum"]
    run.read, run.written = result["read"], result["written"]
    run.requests = result.get("requests", {})
    return run


def run_awk(item: Input, work: Path, timeout: float) -> Run:
    out = work / f"awk-{item.shape}-{item.nominal}.out"
    seconds, rss, code = measure(
        ["awk", "-F|", AWK_PROGRAM, str(item.path)],
        env=dict(os.environ),
        timeout=timeout,
        stdout=out,
    )
    run = Run("awk", item, seconds=seconds, peak_rss_kib=rss)
    if seconds is None:
        run.note = f"stopped after {timeout:.0f} s"
    elif code != 0:
        run.note = f"failed (exit {code})"
    else:
        run.total = out.read_text().strip()
    return run


# --- the emulator --------------------------------------------------------------------------------


@dataclass
class Latency:
    cold: float
    samples: list[float]

    @property
    def p50(self) -> float:
        return statistics.median(self.samples)

    @property
    def p95(self) -> float:
        return statistics.quantiles(self.samples, n=20, method="inclusive")[18]


def drop_latencies(pipeline: Pipeline, drops: int) -> Latency:
    """Seconds from the PutObject of the sample to its output being visible, `drops` times."""
    sample = SAMPLE.read_bytes()
    destination = pipeline.outputs.destination_bucket
    prefix = f"latency-{uuid.uuid4().hex[:8]}"

    def once(key: str) -> float:
        started = time.perf_counter()
        pipeline.drop(key, sample)
        while True:
            try:
                pipeline.s3.head_object(Bucket=destination, Key=key)
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") not in {"404", "NoSuchKey"}:
                    raise
                if time.perf_counter() - started > LATENCY_DEADLINE:
                    raise TimeoutError(
                        f"no output for {key} after {LATENCY_DEADLINE:.0f} s"
                    ) from None
                time.sleep(0.005)
                continue
            return time.perf_counter() - started

    cold = once(f"{prefix}/cold.txt")
    return Latency(cold, [once(f"{prefix}/{index:02d}.txt") for index in range(drops)])


def create_buckets(s3: S3Client) -> None:
    for name in (BENCH_SOURCE, BENCH_DESTINATION):
        s3.create_bucket(Bucket=name)


def empty(s3: S3Client, bucket: str) -> None:
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for item in page.get("Contents", []):
            s3.delete_object(Bucket=bucket, Key=item["Key"])


def probe_env(connection: Connection, item: Input) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("AWS_") and name not in {"PYTHONPATH"}
    }
    return (
        env
        | connection.environment()
        | {
            "PYTHONPATH": f"{REPO_ROOT / 'function'}{os.pathsep}{REPO_ROOT}",
            "SOURCE_BUCKET": BENCH_SOURCE,
            "DESTINATION_BUCKET": BENCH_DESTINATION,
            "MAX_INPUT_BYTES": str(1 << 30),
            "LOG_LEVEL": "WARNING",
            "BENCH_OBJECT_SIZE": str(item.size),
        }
    )


# --- the package ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PackageFigures:
    zip_bytes: int
    files: int
    import_ms: float


def package_figures(work: Path) -> PackageFigures:
    """The zip's size, and the cold import of pipesum.handler over a bare interpreter (median)."""
    zip_path = build_zip(work / "function.zip")
    with zipfile.ZipFile(zip_path) as archive:
        files = len(archive.namelist())

    def median_seconds(code: str) -> float:
        times = []
        for _ in range(31):
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT / "function", check=True)
            times.append(time.perf_counter() - started)
        return statistics.median(times)

    imported = median_seconds("import pipesum.handler") - median_seconds("pass")
    return PackageFigures(zip_path.stat().st_size, files, imported * 1000)


# --- the report ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Machine:
    cpu: str
    cores: int
    ram_gib: float
    python: str
    system: str
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]
    date: str
    commit: str
    emulator: str


def machine(load_before: tuple[float, float, float]) -> Machine:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    ram_kib = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            ram_kib = int(line.split()[1])
    emulator = next(
        (
            line.strip()
            for line in (REPO_ROOT / "requirements" / "emulator.txt").read_text().splitlines()
            if line.startswith("ministack==")
        ),
        "ministack",
    )
    return Machine(
        cpu=cpu,
        cores=os.cpu_count() or 0,
        ram_gib=ram_kib / MIB,
        python=platform.python_version(),
        system=f"{platform.system()} {platform.release()}",
        load_before=load_before,
        load_after=os.getloadavg(),
        date=datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        commit=current_commit()[:12],
        emulator=emulator.replace("==", " "),
    )


def human(size: int) -> str:
    for unit, factor in (("GiB", 1 << 30), ("MiB", MIB), ("KiB", KIB)):
        if size >= factor:
            value = size / factor
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{size} B"


def cell_bytes(value: int | None) -> str:
    return "—" if value is None else (human(value) if value >= KIB else f"{value} B")


def requests_text(requests: dict[str, int]) -> str:
    short = {
        "GetObject": "Get",
        "PutObject": "Put",
        "HeadObject": "Head",
        "CreateMultipartUpload": "Create",
        "UploadPartCopy": "PartCopy",
        "UploadPart": "Part",
        "CompleteMultipartUpload": "Complete",
        "DeleteObject": "Delete",
    }
    return ", ".join(f"{short.get(name, name)} {count}" for name, count in requests.items()) or "—"


def results_table(runs: list[Run]) -> str:
    lines = [
        (
            "| input | approach | time (ms) | line 2 MB/s | peak RSS (MiB) | read from S3 | "
            "written to S3 | S3 requests | sum exact |"
        ),
        "|---|---|--:|--:|--:|--:|--:|---|---|",
    ]
    for run in runs:
        seconds = "—" if run.seconds is None else f"{run.seconds * 1000:,.2f}"
        rate = run.row_2_mb_per_s
        exact = "yes" if run.exact else (f"no: {run.total}" if run.total else "—")
        if run.note:
            exact = f"{exact} ({run.note})"
        local = run.approach in {"core", "awk"}
        lines.append(
            f"| {run.input.label} ({run.input.size:,} B) | {run.approach} | {seconds} | "
            f"{'—' if rate is None else f'{rate:,.1f}'} | "
            f"{f'{run.peak_rss_kib / KIB:,.1f}' if run.peak_rss_kib else '—'} | "
            f"{'local file' if local else cell_bytes(run.read)} | "
            f"{'—' if local else cell_bytes(run.written)} | "
            f"{'—' if local else requests_text(run.requests)} | {exact} |"
        )
    return "\n".join(lines)


def targets(runs: list[Run], latency: Latency) -> list[str]:
    def find(approach: str, shape: str, nominal: int) -> Run:
        return next(
            r
            for r in runs
            if (r.approach, r.input.shape, r.input.nominal) == (approach, shape, nominal)
        )

    sizes = sorted({r.input.nominal for r in runs})
    out = []
    for nominal in sizes:
        core, awk = find("core", "wide", nominal), find("awk", "wide", nominal)
        core_rate, awk_rate = core.row_2_mb_per_s, awk.row_2_mb_per_s
        if core_rate is None:
            ratio, met = f"— (core {core.note})", False
        elif awk_rate is not None:
            ratio = f"{core_rate / awk_rate:,.1f}x awk ({core_rate:,.1f} vs {awk_rate:,.1f} MB/s)"
            met = core_rate >= 10 * awk_rate
        elif awk.note.startswith("stopped"):
            # awk did not finish: its rate is below line 2's size over the time it was given.
            bound = awk.input.row_2_bytes / awk_timeout_of(awk) / 1e6
            ratio = (
                f"more than {core_rate / bound:,.0f}x awk ({core_rate:,.1f} MB/s; awk {awk.note})"
            )
            met = core_rate >= 10 * bound
        else:
            ratio, met = f"{core_rate:,.1f} MB/s; awk {awk.note}", False
        out.append(
            f"- {verdict(met and core.exact)} line 2 of {human(nominal)} parsed at {ratio}, "
            f"sum {'exact' if core.exact else 'NOT exact'} (awk: "
            f"{'exact' if awk.exact else awk.total or awk.note})."
        )
    for mixed in (r for r in runs if r.approach == "core" and r.input.shape == "mixed"):
        awk = find("awk", "wide", mixed.input.nominal)
        rate = mixed.row_2_mb_per_s
        if rate is None:
            continue
        if awk.row_2_mb_per_s is not None:
            times = rate / awk.row_2_mb_per_s
            versus = f"{times:,.1f}x awk's {awk.row_2_mb_per_s:,.1f} MB/s on the wide line"
        elif awk.note.startswith("stopped"):
            times = rate / (awk.input.row_2_bytes / awk_timeout_of(awk) / 1e6)
            versus = f"more than {times:,.0f}x awk ({awk.note} on the wide line)"
        else:
            continue
        out.append(
            f"- {verdict(times >= 10 and mixed.exact)} the same with fields of varying widths "
            f"(the general path) at {human(mixed.input.nominal)}: {rate:,.1f} MB/s, {versus}."
        )
    function_runs = [r for r in runs if r.approach == "function"]
    worst = max(function_runs, key=lambda r: r.peak_rss_kib)
    out.append(
        f"- {verdict(worst.peak_rss_kib < TARGET_RSS_MIB * KIB)} peak RSS of the function under "
        f"{TARGET_RSS_MIB} MiB for every input: at most {worst.peak_rss_kib / KIB:.1f} MiB "
        f"({worst.input.label})."
    )
    tall = [r for r in function_runs if r.input.shape == "tall"]
    most_read = max(tall, key=lambda r: r.read or 0)
    out.append(
        f"- {verdict((most_read.read or 0) < MIB)} bytes read by the function for a short line 2 "
        f"under 1 MiB whatever the size: at most {cell_bytes(most_read.read)} "
        f"({most_read.input.label})."
    )
    large = [r for r in function_runs if r.input.size >= 5 * MIB]
    most_written = max(large, key=lambda r: r.written or 0)
    out.append(
        f"- {verdict((most_written.written or 0) < KIB)} bytes written by the function under "
        f"1 KiB for files of 5 MiB and more: at most {cell_bytes(most_written.written)} "
        f"({most_written.input.label})."
    )
    out.append(
        f"- {verdict(latency.p95 < 1.0)} sample latency p95 under 1 s on the emulator: "
        f"{latency.p95 * 1000:.0f} ms."
    )
    return out


def awk_timeout_of(run: Run) -> float:
    return float(run.note.split()[2])  # "stopped after N s"


def verdict(met: bool) -> str:
    return "**met**:" if met else "**not met**:"


def write_chart(runs: list[Run], path: Path) -> None:
    import matplotlib  # noqa: PLC0415  (plotting is the last step; the rest runs without it)

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt  # noqa: PLC0415

    figure, axes = plt.subplots(2, 2, figsize=(11, 8), sharex=True)
    styles = {"function": "o-", "core": "s-", "naive": "^--", "awk": "x:"}
    panels = {"wide": ("wide", "mixed"), "tall": ("tall",)}
    for column, (panel, shapes) in enumerate(panels.items()):
        for shape in shapes:
            for approach in APPROACHES_OF[shape]:
                series = sorted(
                    (r for r in runs if r.approach == approach and r.input.shape == shape),
                    key=lambda r: r.input.size,
                )
                label = approach if shape != "mixed" else f"{approach}, varying widths"
                style = styles[approach] if shape != "mixed" else "s-."
                sizes = [r.input.size / MIB for r in series]
                seconds = [r.seconds if r.seconds is not None else float("nan") for r in series]
                rss = [r.peak_rss_kib / KIB if r.peak_rss_kib else float("nan") for r in series]
                axes[0][column].plot(sizes, seconds, style, label=label)
                axes[1][column].plot(sizes, rss, style, label=label)
                for run in series:
                    if run.seconds is None and run.note.startswith("stopped"):
                        stopped = (run.input.size / MIB, awk_timeout_of(run))
                        axes[0][column].plot(*stopped, "r^")
                        axes[0][column].annotate(
                            f"{approach} {run.note}  ", stopped, fontsize=8, va="center", ha="right"
                        )
        axes[0][column].set_title(
            "huge line 2 (wide)" if panel == "wide" else "short line 2, many rows (tall)"
        )
        axes[1][column].axhline(TARGET_RSS_MIB, color="grey", linewidth=0.8, linestyle="--")
        for row in (0, 1):
            axes[row][column].set_xscale("log")
            axes[row][column].set_yscale("log")
            axes[row][column].grid(True, which="both", linewidth=0.3)
        axes[1][column].set_xlabel("input size (MiB)")
    axes[0][0].set_ylabel("time (s)")
    axes[1][0].set_ylabel("peak RSS (MiB)")
    axes[0][0].legend(fontsize=8)
    axes[0][1].legend(fontsize=8)
    figure.suptitle("pipesum: time and peak RSS against input size")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def render(
    runs: list[Run], latency: Latency, package: PackageFigures, host: Machine, chart: str
) -> str:
    load = ", ".join(f"{value:.2f}" for value in host.load_before)
    load_after = ", ".join(f"{value:.2f}" for value in host.load_after)
    return f"""# Benchmarks

Written by `make bench` (harness/bench.py) on {host.date}, at commit `{host.commit}`. Run it
again to refresh this page and the chart; it takes several minutes.

- **CPU**: {host.cpu}, {host.cores} cores
- **RAM**: {host.ram_gib:.1f} GiB
- **Python**: {host.python} ({host.system})
- **Emulator**: {host.emulator}
- **Load average** (1, 5, 15 min): {load} before the run, {load_after} after. The machine is
  shared: a high load makes every time longer; the ratios between approaches measured in the
  same run are the figures to trust.

## Inputs and approaches

Generated in a temporary directory, never in the repository:

- **wide** (a huge line 2): a header of N one-letter names, and line 2 of N amounts such as
  `4821.07` (7 bytes each, like the sample's zero-padded `0862`: fixed-width fields, which the
  core sums column by column); lines 1 and 2 are the whole file.
- **mixed** (core only): the same with amounts of 4 to 8 bytes (`0.07` to `99999.99`), which
  take the core's general path (one `int()` per field); it shows the other end of its speed.
- **tall** (a short line 2, many rows): the sample's header, line 2 `7101.25|3501.50|0862.75|...`,
  then rows like the sample's line 2 up to the size.

Each approach runs in a process of its own; its peak RSS is that process's `ru_maxrss` from
`os.wait4`, and its time is the measured work only (after imports and client creation), except
awk's, which is the whole process.

- **function**: `pipesum.handler.handle` called in-process against MiniStack's S3 (buckets of
  the bench's own, without events) with the deployed defaults: 64 KiB to 1 MiB ranged reads, a
  PutObject under 5 MiB, a multipart copy from 5 MiB on. It runs in-process rather than in the
  emulator's Lambda worker because its RSS and its S3 traffic can only be measured there; the
  deployed function is timed end to end below, on the sample.
- **core**: the streaming parser alone on the local file, fed the same read sizes.
- **naive**: GetObject of the whole file, `split` into lines, line 2 split on `|` and summed with
  `Decimal`, PutObject of the whole file plus the sum: the function before it streamed.
- **awk**: `awk -F'|' '{AWK_PROGRAM}'` on the local file (mawk here). `exit` stops it after
  line 2; `%.17g` prints the double it summed in full.

"line 2 MB/s" is the size of line 2 (10^6 bytes per MB) divided by the approach's time (wide
and mixed inputs only; the tall ones have a 40-byte line 2). Peak RSS is read through a small
launcher process, so about 6 MiB (its own RSS when it forks) is the floor of every figure.
S3 bytes are body bytes, counted with botocore event hooks (GetObject's Content-Length, the
Body of PutObject and UploadPart); UploadPartCopy moves no byte through the function.

## Results

{results_table(runs)}

![time and peak RSS against input size]({chart})

## End-to-end latency of the sample

Through the pipeline deployed on MiniStack: from the PutObject of `triggerFile.txt` (under a new
key each time) to a HeadObject finding its output, polled every 5 ms. First drop (a cold worker):
{latency.cold * 1000:.0f} ms; then over {len(latency.samples)} drops: p50
**{latency.p50 * 1000:.0f} ms**, p95 **{latency.p95 * 1000:.0f} ms**, max
{max(latency.samples) * 1000:.0f} ms.

## The package

`build/function.zip` (`python -m harness.package`): {package.zip_bytes:,} bytes, {package.files}
files, standard library and boto3 only. Cold import of `pipesum.handler` (median of 31 fresh
interpreters, minus a bare interpreter's start): {package.import_ms:.1f} ms. boto3 itself is
imported when the first event builds the client, once per execution environment.

## Targets

{chr(10).join(targets(runs, latency))}

## Limits

- The function's peak RSS is mostly the interpreter with boto3 and an S3 client (about 50 MiB
  on its own); reading adds at most one 1 MiB chunk and the fields of one 1 MiB slice.
- What the function reads is lines 1 and 2 (and the last byte): for a huge line 2 that is the
  whole file, in reads of 64 KiB doubling to 1 MiB. Its time is then the parse plus one request
  per MiB; on Lambda it grows with less CPU (a 256 MB function gets a fraction of a vCPU), and
  a huge line 2 needs a longer timeout or more memory than the deployed defaults.
- One number is never split: its digits are kept until it ends, so a single number millions of
  digits long costs memory in proportion to its length (the sum row itself is that long).
- On the tall inputs the function reads 64 KiB and writes a few bytes, yet its time grows with
  the size: it waits for UploadPartCopy, which the emulator performs by copying (and hashing)
  the object in memory. S3 does that copy on its side too; no byte of it passes through the
  function, which is what its RSS and its S3 bytes show.
- The core is fastest on fixed-width fields (the wide inputs: column sums without a Python
  object per field). Fields of varying widths (the mixed inputs) take one `int()` per field,
  the fastest exact sum the standard library offers; that rate is the floor of the core.
- awk's time on 1 KiB is mostly its start. mawk reads a long line by growing its buffer, which
  makes it slower than linear on a huge line; that, and not its arithmetic, is why it falls so
  far behind on the wide inputs. It sums in binary floating point, so its sums are not exact.
"""


# --- main ----------------------------------------------------------------------------------------


def phase(description: str, action: Callable[[], T]) -> T:
    started = time.monotonic()
    say(f"- {description} ...")
    result = action()
    say(f"  done in {time.monotonic() - started:.1f} s")
    return result


@dataclass
class Bench:
    work: Path
    sizes: tuple[int, ...]
    drops: int
    awk_timeout: float
    runs: list[Run] = field(default_factory=list)

    def inputs(self) -> Iterator[Input]:
        for nominal in self.sizes:
            for shape in SHAPES:
                yield generate(shape, nominal, self.work)

    def measure_all(self, connection: Connection, s3: S3Client) -> None:
        for item in self.inputs():
            key = item.path.name
            say(f"- {item.label} ({item.size:,} bytes)")
            if "function" in APPROACHES_OF[item.shape]:
                s3.upload_file(str(item.path), BENCH_SOURCE, key)
            env = probe_env(connection, item)
            for approach in APPROACHES_OF[item.shape]:
                if approach == "awk":
                    run = run_awk(item, self.work, self.awk_timeout)
                else:
                    run = run_probe(approach, item, self.work, env, key)
                seconds = "—" if run.seconds is None else f"{run.seconds:.3f} s"
                say(
                    f"  {approach:8} {seconds:>10}  {run.peak_rss_kib / KIB:8.1f} MiB  "
                    f"sum {run.total} {'exact' if run.exact else 'NOT exact'} {run.note}"
                )
                self.runs.append(run)
            empty(s3, BENCH_SOURCE)
            empty(s3, BENCH_DESTINATION)
            item.path.unlink()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default=",".join(str(s) for s in SIZES), help="bytes, comma-separated"
    )
    parser.add_argument("--drops", type=int, default=50, help="sample drops timed end to end")
    parser.add_argument(
        "--awk-timeout", type=float, default=120.0, help="seconds before awk is stopped"
    )
    parser.add_argument("--output", type=Path, default=DOCS / "benchmarks.md")
    args = parser.parse_args(argv)
    if shutil.which("awk") is None:
        say("awk is not on PATH; the benchmark compares against it.")
        return 1
    load_before = os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix="pipesum-bench-"))
    emulator = MiniStack(port=free_port(), state_dir=work / "ministack")
    bench = Bench(
        work=work,
        sizes=tuple(int(size) for size in args.sizes.split(",")),
        drops=args.drops,
        awk_timeout=args.awk_timeout,
    )
    try:
        package = phase("measuring the package and its import time", lambda: package_figures(work))
        connection = phase(f"starting MiniStack on {emulator.endpoint_url}", emulator.start)
        stack = Stack(
            connection,
            workdir=work / "terraform",
            terraform_command=emulator.terraform_command,
            environment="bench",
            local_backend=True,
            throwaway=True,
            zip_path=work / "terraform-function.zip",
        )
        outputs = phase("deploying terraform/ to it", stack.deploy)
        pipeline = Pipeline(outputs, connection)
        latency = phase(
            f"timing {args.drops} drops of the sample end to end",
            lambda: drop_latencies(pipeline, args.drops),
        )
        say(f"  p50 {latency.p50 * 1000:.0f} ms, p95 {latency.p95 * 1000:.0f} ms")
        s3: S3Client = connection.session().client("s3", endpoint_url=connection.endpoint_url)
        create_buckets(s3)
        bench.measure_all(connection, s3)
    finally:
        emulator.stop()
        shutil.rmtree(work, ignore_errors=True)
    chart = args.output.with_suffix(".png")
    write_chart(bench.runs, chart)
    args.output.write_text(render(bench.runs, latency, package, machine(load_before), chart.name))
    say(f"- wrote {args.output} and {chart}")
    for line in targets(bench.runs, latency):
        say(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
