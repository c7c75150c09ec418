"""`make bench`: the function, its core, a typical public solution and awk, side by side.

It generates inputs of 1 KiB, 64 MiB and 512 MiB in three shapes in a temporary directory, starts
a MiniStack of its own on a free port, deploys the Terraform root to it, and then:

- times 50 drops of the sample file through the deployed pipeline (drop to output visible);
- makes two buckets of its own configured as the deployed ones (versioning and default
  encryption read from them: versioned, SSE-KMS), without events;
- runs each approach on each input in a process of its own (harness/bench_probe.py; awk as is),
  timing the whole process and reading its peak RSS from os.wait4: the function is called
  in-process against the emulator's S3, because neither its RSS nor its S3 traffic can be
  measured inside the emulator's Lambda worker;
- counts the S3 requests of one event on each path through the function (new key, new version
  of a key, rejection, redelivery, ...), for the function measured and for the function at
  `--baseline` (a commit: the function before issue 16 by default), to set them side by side;
- writes docs/benchmarks.md and docs/benchmarks.png.

`--requests-only` does the request counts alone (no drops, no inputs: a few minutes) and
rewrites only that section of the page.

The emulator and the inputs are removed at the end, also when something fails.
"""

from __future__ import annotations

import argparse
import datetime
import decimal
import io
import json
import os
import platform
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tarfile
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
from harness.stack import Stack, StackOutputs, current_commit
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
APPROACHES_OF = {"wide": APPROACHES, "tall": APPROACHES, "mixed": ("core", "awk")}
AWK_PROGRAM = 'NR==2{for(i=1;i<=NF;i++)s+=$i; printf "%.17g\\n", s; exit}'
DOCS = REPO_ROOT / "docs"
SAMPLE = REPO_ROOT / "triggerFile.txt"
BENCH_SOURCE = "pipesum-bench-source"
BENCH_DESTINATION = "pipesum-bench-destination"
TARGET_RSS_MB = 100
#: The function before issue 16 (fewer S3 requests per event): the default "before" of the counts.
BASELINE = "b3593aa"
REQUESTS_BEGIN = "<!-- requests per event: begin -->"
REQUESTS_END = "<!-- requests per event: end -->"
#: The issue's targets: at most this many S3 requests for one event on these paths.
REQUEST_TARGETS = {"new key, valid small file": 3, "new version of a key with an output": 4}
SPEED_TARGET = 10
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

    def is_exact(self, total: str | None) -> bool:
        """Whether `total` is the exact sum as a number (`23186.6` is `23186.60`)."""
        try:
            return total is not None and decimal.Decimal(total) == decimal.Decimal(self.exact_sum)
        except decimal.InvalidOperation:
            return False


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


# Linux keeps a process's peak RSS across fork and exec: a child of this (large) process would
# report at least this process's RSS. So each approach is started by this small launcher, whose
# own RSS at the fork is then the floor of every figure (measured: `launcher_floor`).
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
    """Run `command`; return (its seconds from fork to exit, or None if stopped at `timeout`;
    peak RSS KiB; exit code)."""
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


def launcher_floor(work: Path) -> int:
    """The peak RSS (KiB) the launcher reports for `true`: the floor of every figure."""
    _, rss, _ = measure(["true"], env=dict(os.environ), timeout=60, stdout=work / "floor.out")
    return rss


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


def run_awk(item: Input, work: Path, timeout: float) -> Run:
    out = work / f"awk-{item.shape}-{item.nominal}.out"
    seconds, rss, code = measure(
        ["awk", "-F|", AWK_PROGRAM, str(item.path)],
        env=dict(os.environ),
        timeout=timeout,
        stdout=out,
    )
    run = Run("awk", item, process_seconds=seconds, peak_rss_kib=rss)
    if seconds is None:
        run.note = f"stopped after {timeout:.0f} s"
    elif code != 0:
        run.note = f"failed (exit {code})"
    else:
        run.total = out.read_text().strip()
    return run


def awk_identity() -> str:
    """Which awk is on PATH: its path, what it resolves to, and the first line of its version."""
    found = shutil.which("awk")
    if found is None:
        raise SystemExit("awk is not on PATH; the benchmark compares against it.")
    real = Path(found).resolve()
    attempts = (
        [[str(real)]]
        if real.name == "busybox"
        else [["awk", "-W", "version"], ["awk", "--version"]]
    )
    for command in attempts:
        answer = subprocess.run(command, capture_output=True, text=True, check=False, timeout=10)
        first = (answer.stdout or answer.stderr).strip().splitlines()
        if first and not first[0].startswith("awk:"):
            return f"`{found}` (resolves to `{real}`): {first[0].strip()}"
    return f"`{found}` (resolves to `{real}`): it did not say its version"


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


def create_buckets_as_deployed(s3: S3Client, outputs: StackOutputs) -> list[str]:
    """The bench's buckets, with the versioning and default encryption of the deployed ones.

    The deployed buckets send events to the function; the bench's do not, so that only the probe
    handles each object. Returns how each bench bucket is configured, as S3 reads it back.
    """
    described = []
    for name, deployed in (
        (BENCH_SOURCE, outputs.source_bucket),
        (BENCH_DESTINATION, outputs.destination_bucket),
    ):
        s3.create_bucket(Bucket=name)
        status = s3.get_bucket_versioning(Bucket=deployed).get("Status", "never enabled")
        if status != "Enabled":
            raise SystemExit(f"the deployed bucket {deployed} is not versioned ({status})")
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        encryption = s3.get_bucket_encryption(Bucket=deployed)["ServerSideEncryptionConfiguration"]
        s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration=encryption)
        described.append(describe_bucket(s3, name))
    return described


def describe_bucket(s3: S3Client, bucket: str) -> str:
    """`bucket`'s versioning and default encryption as S3 reports them; SSE-KMS is required."""
    versioning = s3.get_bucket_versioning(Bucket=bucket).get("Status", "never enabled")
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    default = rules[0].get("ApplyServerSideEncryptionByDefault", {})
    algorithm = default.get("SSEAlgorithm", "none")
    if versioning != "Enabled" or algorithm != "aws:kms":
        raise SystemExit(
            f"bucket {bucket} reads back as versioning {versioning}, encryption {algorithm}: "
            "the bench measures buckets as terraform/modules/bucket makes them (versioned, "
            "SSE-KMS); check the deployed stack"
        )
    key = default.get("KMSMasterKeyID", "the AWS managed key")
    bucket_key = "on" if rules[0].get("BucketKeyEnabled") else "off"
    return (
        f"`{bucket}`: versioning {versioning}, default encryption {algorithm} with "
        f"`{key.rsplit(':', 1)[-1]}`, bucket key {bucket_key}"
    )


def empty(s3: S3Client, bucket: str) -> None:
    """Delete every version and delete marker of `bucket` (the emulator keeps them in memory)."""
    for page in s3.get_paginator("list_object_versions").paginate(Bucket=bucket):
        for item in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]:
            s3.delete_object(Bucket=bucket, Key=item["Key"], VersionId=item["VersionId"])


def probe_env(connection: Connection, item: Input, function_root: Path) -> dict[str, str]:
    return function_env(connection, function_root) | {"BENCH_OBJECT_SIZE": str(item.size)}


def function_env(connection: Connection, function_root: Path) -> dict[str, str]:
    """A probe's environment: the emulator's S3, the bench's buckets, `function_root` first."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("AWS_") and name not in {"PYTHONPATH"}
    }
    return (
        env
        | connection.environment()
        | {
            "PYTHONPATH": f"{function_root}{os.pathsep}{REPO_ROOT}",
            "SOURCE_BUCKET": BENCH_SOURCE,
            "DESTINATION_BUCKET": BENCH_DESTINATION,
            "MAX_INPUT_BYTES": str(1 << 30),
            "LOG_LEVEL": "WARNING",
        }
    )


# --- S3 requests per event, by path ----------------------------------------------------------


@dataclass(frozen=True)
class PathCount:
    path: str
    outcome: str
    requests: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.requests.values())


@dataclass(frozen=True)
class RequestCounts:
    """The counts of the function measured and of the baseline's, in the order of the paths."""

    measured: list[PathCount]
    baseline: list[PathCount]
    baseline_revision: str
    buckets: list[str]
    counted: str = ""  # when, and at which commit of the repository


def counted_text() -> str:
    """Today's date and the commit measured, naming the files of it that differ from the commit."""
    date = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = f"{date}, at commit `{current_commit()[:12]}`"
    changed = uncommitted_changes()
    if changed:
        text += " with uncommitted changes to " + ", ".join(f"`{name}`" for name in changed)
    return text


def baseline_function(revision: str, work: Path) -> Path:
    """The function/ directory of `revision`, extracted from git into `work`."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", revision, "function"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=False,
    )
    if archive.returncode != 0:
        raise SystemExit(
            f"git archive {revision} function failed: {archive.stderr.decode().strip()}; "
            "give --baseline a commit of this repository that has function/"
        )
    target = work / f"baseline-{revision}"
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(target, filter="data")
    return target / "function"


def count_requests(connection: Connection, function_root: Path, work: Path) -> list[PathCount]:
    """One event on each path (harness/bench_probe.py paths), in a process of its own."""
    prefix = f"paths-{uuid.uuid4().hex[:8]}"
    result_path = work / f"{prefix}.json"
    command = [sys.executable, "-m", "harness.bench_probe", "paths", prefix, str(result_path)]
    answer = subprocess.run(
        command,
        env=function_env(connection, function_root),
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if answer.returncode != 0:
        last = answer.stderr.strip().splitlines()[-1:] or ["no output"]
        raise SystemExit(f"counting the requests of {function_root} failed: {last[0]}")
    paths = json.loads(result_path.read_text())["paths"]
    return [PathCount(p["path"], str(p["outcome"]), p["requests"]) for p in paths]


def compare_requests(
    connection: Connection, s3: S3Client, bench: Bench, baseline: str, buckets: list[str]
) -> RequestCounts:
    """The counts of the function measured and of the baseline's, on the bench's buckets."""
    counts = RequestCounts(
        measured=count_requests(connection, bench.function_root, bench.work),
        baseline=count_requests(connection, baseline_function(baseline, bench.work), bench.work),
        baseline_revision=baseline,
        buckets=buckets,
        counted=counted_text(),
    )
    for count, before in zip(counts.measured, counts.baseline, strict=True):
        say(f"  {count.path}: {count.total} (before: {before.total})")
    empty(s3, BENCH_SOURCE)
    empty(s3, BENCH_DESTINATION)
    return counts


def requests_section(counts: RequestCounts) -> str:
    before = {count.path: count for count in counts.baseline}
    rows = [
        "| Path | Outcome | Requests | Before (" + counts.baseline_revision + ") |",
        "|---|---|---|---|",
    ]
    for count in counts.measured:
        earlier = before.get(count.path)
        earlier_text = (
            "—" if earlier is None else f"**{earlier.total}**: {requests_text(earlier.requests)}"
        )
        rows.append(
            f"| {count.path} | {count.outcome} | **{count.total}**: "
            f"{requests_text(count.requests)} | {earlier_text} |"
        )
    verdicts = []
    for count in counts.measured:
        if count.path in REQUEST_TARGETS:
            most = REQUEST_TARGETS[count.path]
            met = "met" if count.total <= most else "**not met**"
            verdicts.append(f"- {count.path}: at most {most} (issue 16): {count.total}, {met}")
    buckets = "\n".join(f"- {line}" for line in counts.buckets)
    return f"""{REQUESTS_BEGIN}
## S3 requests per event

Counted on {counts.counted}.

One event on each path (`python -m harness.bench_probe paths`), handled in-process by
`pipesum.handler.handle`: the function measured, and under "Before" the function of
commit `{counts.baseline_revision}` (extracted with `git archive`). The buckets are the bench's,
configured as the deployed ones:

{buckets}

The events are as S3 sends them: the object's size, ETag and sequencer, no version id (as
MiniStack sends them). Every S3 request the function's client makes is counted with botocore's
`before-call` hook. `python -m harness.bench --requests-only` redoes this section alone, in a
few minutes; `tests/unit/test_request_counts.py` pins the same counts against moto.

{chr(10).join(rows)}

{chr(10).join(verdicts)}

Why a key that has an output costs more than a new key: the function cannot tell the two apart
without asking S3. It assumes the key is new: a GetObject (which also locates the object), a
HeadObject of the rejection report (its order, and whether a stale one must go), and a
PutObject with `IfNoneMatch: "*"`. When an output exists, that write is refused, the output is
read (HeadObject: its ETag and sequencer) and written again with `IfMatch`. Reading the output
first instead costs a new key one request more and a key with an output one less. Both at
once would need one request to tell whether the output exists and whether a report is newer
than it: the output and its report are under unrelated keys, and recording the report on the
output would add an output version per rejection. A redelivered or late event pays the same
refused write before it is found superseded.
{REQUESTS_END}"""


def write_requests_section(page: Path, section: str) -> None:
    """Put `section` in place of the page's section between the markers, or at its end."""
    text = page.read_text() if page.is_file() else "# Benchmarks\n"
    if REQUESTS_BEGIN in text and REQUESTS_END in text:
        head, rest = text.split(REQUESTS_BEGIN, 1)
        tail = rest.split(REQUESTS_END, 1)[1]
        text = head + section + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    page.write_text(text)


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
    uncommitted: list[str]
    emulator: str
    awk: str
    floor_kib: int


def uncommitted_changes() -> list[str]:
    """Files of what is measured that differ from the commit (the page names them)."""
    answer = subprocess.run(
        ["git", "status", "--porcelain", "--", "function", "harness", "providers", "terraform"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return [line[3:] for line in answer.stdout.splitlines() if line.strip()]


@dataclass(frozen=True)
class Setup:
    """What the run was measured on, besides the machine."""

    emulator: str
    awk: str
    floor_kib: int
    buckets: list[str]
    function_root: Path


def emulator_text(patched: bool) -> str:
    emulator = next(
        (
            line.strip()
            for line in (REPO_ROOT / "requirements" / "emulator.txt").read_text().splitlines()
            if line.startswith("ministack==")
        ),
        "ministack",
    ).replace("==", " ")
    if patched:
        return f"{emulator} with pipesum's patches (providers/patches/ministack/)"
    return f"{emulator} as upstream ships it (no patches)"


def machine(load_before: tuple[float, float, float], setup: Setup) -> Machine:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    ram_kib = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            ram_kib = int(line.split()[1])
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
        uncommitted=uncommitted_changes(),
        emulator=setup.emulator,
        awk=setup.awk,
        floor_kib=setup.floor_kib,
    )


def human(size: int) -> str:
    for unit, factor in (("GiB", 1 << 30), ("MiB", MIB), ("KiB", KIB)):
        if size >= factor:
            value = size / factor
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{size} B"


def cell_bytes(value: int | None) -> str:
    return "—" if value is None else (human(value) if value >= KIB else f"{value} B")


def ms(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds * 1000:,.2f}"


def mib(kib: int) -> str:
    return f"{kib / KIB:,.1f}" if kib else "—"


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
        "ListMultipartUploads": "ListUploads",
    }
    return ", ".join(f"{short.get(name, name)} {count}" for name, count in requests.items()) or "—"


def get_text(run: Run) -> str:
    """GetObject answers by status, and how many named a version."""
    if not run.get_statuses:
        return "—"
    statuses = ", ".join(f"{status}: {count}" for status, count in sorted(run.get_statuses.items()))
    return f"{statuses}; {run.versioned_gets} with VersionId"


def results_table(runs: list[Run]) -> str:
    lines = [
        (
            "| input | approach | whole process (ms) | in-process (ms) | peak RSS (MiB) | "
            "S3 bytes read (answered) | written to S3 | S3 requests | GetObject answers | "
            "sum exact |"
        ),
        "|---|---|--:|--:|--:|--:|--:|---|---|---|",
    ]
    for run in runs:
        exact = "yes" if run.exact else (f"no: {run.total}" if run.total else "—")
        if run.note:
            exact = f"{exact} ({run.note})"
        local = run.approach in {"core", "awk"}
        read = (
            "local file"
            if local
            else f"{cell_bytes(run.read)} ({cell_bytes(run.answered)})"
            if run.read is not None
            else "—"
        )
        lines.append(
            f"| {run.input.label} ({run.input.size:,} B) | {run.approach} | "
            f"{ms(run.process_seconds)} | {ms(run.seconds)} | {mib(run.peak_rss_kib)} | {read} | "
            f"{'—' if local else cell_bytes(run.written)} | "
            f"{'—' if local else requests_text(run.requests)} | "
            f"{'—' if local else get_text(run)} | {exact} |"
        )
    return "\n".join(lines)


def find(runs: list[Run], approach: str, shape: str, nominal: int) -> Run | None:
    return next(
        (
            r
            for r in runs
            if (r.approach, r.input.shape, r.input.nominal) == (approach, shape, nominal)
        ),
        None,
    )


@dataclass(frozen=True)
class Ratio:
    """How many times faster `ours` is than `theirs` (below 1: slower), or a lower bound."""

    text: str
    times: float | None  # None: not measured
    at_least: bool = False


def ratio(
    ours: str, our_seconds: float | None, theirs: str, their: Run, their_seconds: float | None
) -> Ratio:
    if our_seconds is None:
        return Ratio(f"— ({ours} did not finish)", None)
    if their_seconds is not None:
        times = their_seconds / our_seconds
        speed = f"{times:,.1f}x faster" if times >= 1 else f"{1 / times:,.1f}x slower"
        return Ratio(
            f"{ours} {speed} ({our_seconds * 1000:,.1f} vs {their_seconds * 1000:,.1f} ms)", times
        )
    if their.note.startswith("stopped"):
        bound = awk_timeout_of(their) / our_seconds
        return Ratio(
            f"{ours} more than {bound:,.0f}x faster ({our_seconds * 1000:,.1f} ms; "
            f"{theirs} {their.note})",
            bound,
            at_least=True,
        )
    return Ratio(f"— ({theirs} {their.note or 'did not finish'})", None)


def whole_process_ratio(runs: list[Run], shape: str, nominal: int) -> Ratio | None:
    core, awk = find(runs, "core", shape, nominal), find(runs, "awk", shape, nominal)
    if core is None or awk is None:
        return None
    return ratio("core", core.process_seconds, "awk", awk, awk.process_seconds)


def function_ratio(runs: list[Run], shape: str, nominal: int) -> Ratio | None:
    function, naive = find(runs, "function", shape, nominal), find(runs, "naive", shape, nominal)
    if function is None or naive is None:
        return None
    return ratio("function", function.seconds, "naive", naive, naive.seconds)


def sum_ratio(runs: list[Run], shape: str, nominal: int) -> Ratio | None:
    core, naive = find(runs, "core", shape, nominal), find(runs, "naive", shape, nominal)
    if core is None or naive is None:
        return None
    return ratio("core", core.seconds, "naive", naive, naive.sum_seconds)


def ratios_table(runs: list[Run]) -> str:
    lines = [
        (
            "| input | whole process: core command vs awk | in-process: function vs naive "
            "(S3 object to S3 output) | in-process: core's parse vs naive's split and sum |"
        ),
        "|---|---|---|---|",
    ]
    seen = sorted({(r.input.nominal, SHAPES.index(r.input.shape)) for r in runs})
    for nominal, shape_index in seen:
        shape = SHAPES[shape_index]
        cells = [
            (found.text if found is not None else "— (not run on this shape)")
            for found in (
                whole_process_ratio(runs, shape, nominal),
                function_ratio(runs, shape, nominal),
                sum_ratio(runs, shape, nominal),
            )
        ]
        lines.append(f"| {human(nominal)} {shape} | {' | '.join(cells)} |")
    return "\n".join(lines)


def targets(runs: list[Run], latency: Latency) -> list[str]:
    out = []
    for item in sorted({(r.input.nominal, SHAPES.index(r.input.shape)) for r in runs}):
        nominal, shape = item[0], SHAPES[item[1]]
        if shape == "tall":
            continue
        found = whole_process_ratio(runs, shape, nominal)
        core = find(runs, "core", shape, nominal)
        if found is None or core is None:
            continue
        met = found.times is not None and found.times >= SPEED_TARGET and core.exact
        widths = "fixed-width" if shape == "wide" else "varying-width"
        out.append(
            f"- {verdict(met)} at least {SPEED_TARGET}x awk, whole process, on the "
            f"{human(nominal)} file with a huge line 2 of {widths} fields: {found.text}; core's "
            f"sum {'exact' if core.exact else 'NOT exact'}."
        )
    function_runs = [r for r in runs if r.approach == "function"]
    short_64 = find(runs, "function", "tall", 64 * MIB)
    if short_64 is not None:
        rss_mb = short_64.peak_rss_kib * KIB / 1e6
        out.append(
            f"- {verdict(bool(short_64.peak_rss_kib) and rss_mb < TARGET_RSS_MB)} peak RSS of the "
            f"function under {TARGET_RSS_MB} MB for the 64 MiB file with a short line 2, on the "
            f"versioned SSE-KMS buckets: {rss_mb:,.1f} MB ({mib(short_64.peak_rss_kib)} MiB); "
            f"GetObject answers {get_text(short_64)}."
        )
    if function_runs:
        worst = max(function_runs, key=lambda r: r.peak_rss_kib)
        failed = [r.input.label for r in function_runs if r.note]
        out.append(
            f"- {verdict(not failed and worst.peak_rss_kib * KIB / 1e6 < TARGET_RSS_MB)} peak RSS "
            f"of the function under {TARGET_RSS_MB} MB for every input: at most "
            f"{worst.peak_rss_kib * KIB / 1e6:,.1f} MB ({worst.input.label})"
            + (f"; failed: {', '.join(failed)}." if failed else ".")
        )
        versioned = sum(r.versioned_gets for r in function_runs)
        gets = sum(r.requests.get("GetObject", 0) for r in function_runs)
        out.append(
            f"- {verdict(gets > 0 and versioned == gets)} every GetObject of the function named "
            f"the version it located (the versioned path): {versioned} of {gets}."
        )
    tall = [r for r in function_runs if r.input.shape == "tall"]
    if tall:
        most_read = max(tall, key=lambda r: r.read or 0)
        out.append(
            f"- {verdict(most_read.read is not None and most_read.read < MIB)} bytes read by the "
            f"function for a short line 2 under 1 MiB whatever the size: at most "
            f"{cell_bytes(most_read.read)} ({most_read.input.label}; the store answered "
            f"{cell_bytes(most_read.answered)})."
        )
    large = [r for r in function_runs if r.input.size >= 5 * MIB]
    if large:
        most_written = max(large, key=lambda r: r.written or 0)
        out.append(
            f"- {verdict(most_written.written is not None and most_written.written < KIB)} bytes "
            f"written by the function under 1 KiB for files of 5 MiB and more: at most "
            f"{cell_bytes(most_written.written)} ({most_written.input.label})."
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
                style = styles[approach] if shape != "mixed" else styles[approach][:-1] + "-."
                sizes = [r.input.size / MIB for r in series]
                seconds = [
                    r.process_seconds if r.process_seconds is not None else float("nan")
                    for r in series
                ]
                rss = [r.peak_rss_kib / KIB if r.peak_rss_kib else float("nan") for r in series]
                axes[0][column].plot(sizes, seconds, style, label=label)
                axes[1][column].plot(sizes, rss, style, label=label)
                for run in series:
                    if run.process_seconds is None and run.note.startswith("stopped"):
                        stopped = (run.input.size / MIB, awk_timeout_of(run))
                        axes[0][column].plot(*stopped, "r^")
                        axes[0][column].annotate(
                            f"{label} {run.note}  ", stopped, fontsize=8, va="center", ha="right"
                        )
        axes[0][column].set_title(
            "huge line 2 (wide, mixed)" if panel == "wide" else "short line 2, many rows (tall)"
        )
        axes[1][column].axhline(
            TARGET_RSS_MB * 1e6 / MIB, color="grey", linewidth=0.8, linestyle="--"
        )
        for row in (0, 1):
            axes[row][column].set_xscale("log")
            axes[row][column].set_yscale("log")
            axes[row][column].grid(True, which="both", linewidth=0.3)
        axes[1][column].set_xlabel("input size (MiB)")
    axes[0][0].set_ylabel("whole process time (s)")
    axes[1][0].set_ylabel("peak RSS (MiB)")
    axes[0][0].legend(fontsize=8)
    axes[0][1].legend(fontsize=8)
    figure.suptitle("pipesum: whole-process time and peak RSS against input size")
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)


def render(
    runs: list[Run],
    latency: Latency,
    package: PackageFigures,
    host: Machine,
    setup: Setup,
    chart: str,
) -> str:
    load = ", ".join(f"{value:.2f}" for value in host.load_before)
    load_after = ", ".join(f"{value:.2f}" for value in host.load_after)
    commit = f"`{host.commit}`"
    if host.uncommitted:
        commit += " with uncommitted changes to " + ", ".join(f"`{f}`" for f in host.uncommitted)
    measured = (
        ""
        if setup.function_root == REPO_ROOT / "function"
        else f"\n- **Function measured**: the package in `{setup.function_root}`"
    )
    buckets = "\n".join(f"  - {line}" for line in setup.buckets)
    small = find(runs, "function", "tall", KIB)
    small_text = (
        f"On the 1 KiB input, where it reads 1 KiB, its peak RSS was {mib(small.peak_rss_kib)} "
        "MiB: the interpreter with boto3 and an S3 client."
        if small is not None and small.peak_rss_kib
        else ""
    )
    tall_row_2 = next((r.input.row_2_bytes for r in runs if r.input.shape == "tall"), 0)
    return f"""# Benchmarks

Written by `make bench` (harness/bench.py) on {host.date}, at commit {commit}. Run it again to
refresh this page and the chart; it takes several minutes.

- **CPU**: {host.cpu}, {host.cores} cores
- **RAM**: {host.ram_gib:.1f} GiB
- **Python**: {host.python} ({host.system})
- **Emulator**: {host.emulator}
- **awk**: {host.awk}{measured}
- **Load average** (1, 5, 15 min): {load} before the run, {load_after} after. The machine may be
  shared: a high load makes every time longer; ratios between approaches measured in the same
  run are less affected than times.

## Inputs and approaches

Generated in a temporary directory, never in the repository:

- **wide** (a huge line 2): a header of N one-letter names, and line 2 of N amounts such as
  `4821.07` (7 bytes each: fixed-width fields, which the core sums column by column); lines 1
  and 2 are the whole file.
- **mixed**: the same with amounts of 4 to 8 bytes (`0.07` to `99999.99`), which take the core's
  general path (one `int()` per field); core and awk only.
- **tall** (a short line 2, many rows): the sample's header, line 2 `7101.25|3501.50|0862.75|...`
  ({tall_row_2} bytes), then rows like the sample's line 2 up to the size.

The objects are uploaded to two buckets of the bench's own, configured as the deployed ones
(their versioning and default encryption are read from the deployed buckets and applied), and
without events. As S3 reads them back:

{buckets}

So the function locates a version and each of its reads names it (`VersionId`), as on the
deployed stack.

- **function**: `pipesum.handler.handle` called in-process against the emulator's S3 with the
  deployed defaults: 64 KiB to 1 MiB ranged reads, a PutObject under 5 MiB, a multipart copy
  from 5 MiB on. It runs in-process rather than in the emulator's Lambda worker because its RSS
  and its S3 traffic can only be measured there; the deployed function is timed end to end
  below, on the sample.
- **core**: the streaming parser alone on the local file, fed the same read sizes, as the
  command `python -m harness.bench_probe core FILE RESULT.json`.
- **naive**: the approach of a typical public solution: whole GetObject, split, sum, whole
  PutObject. The body is decoded as UTF-8, split on `\\n`, line 2 split on `|` and summed as
  floats, and the text plus `\\n` and the sum is put back as one object.
- **awk**: `awk -F'|' '{AWK_PROGRAM}'` on the local file. `exit` stops it after line 2;
  `%.17g` prints the double it summed in full.

Two kinds of time, never mixed in one ratio:

- **whole process**: from the fork of the process to its exit, start-up (interpreter, imports,
  client) included, timed by the same launcher for every approach.
- **in-process**: measured inside the probe, after its imports and client creation: the
  function from its first S3 request to its output written; naive the same (and, separately,
  its split and sum alone, the body already in memory); core its parse of the file, reads
  included. awk has no in-process time.

Peak RSS is the process's `ru_maxrss` from `os.wait4`, read through a small launcher process:
its own RSS when it forks is the floor of every figure, {host.floor_kib / KIB:.1f} MiB in this
run (the figure it reports for `true`). {small_text} S3 bytes are body bytes, counted with botocore
event hooks: read is what the approach took from GetObject bodies, answered their
Content-Length, written the Body of PutObject and UploadPart; UploadPartCopy moves no byte
through the function. A sum is exact when it equals, as a number, the sum the input was made
with.

## Results

{results_table(runs)}

![whole-process time and peak RSS against input size]({chart})

## Ratios

Each cell compares two approaches on the same input, timed the same way; the column says which
way. Above 1x the first named is faster.

{ratios_table(runs)}

## End-to-end latency of the sample

Through the pipeline deployed on the emulator: from the PutObject of `triggerFile.txt` (under a
new key each time) to a HeadObject finding its output, polled every 5 ms. First drop (a cold
worker): {latency.cold * 1000:.0f} ms; then over {len(latency.samples)} drops: p50
**{latency.p50 * 1000:.0f} ms**, p95 **{latency.p95 * 1000:.0f} ms**, max
{max(latency.samples) * 1000:.0f} ms.

## The package

`build/function.zip` (`python -m harness.package`): {package.zip_bytes:,} bytes, {package.files}
files. Cold import of `pipesum.handler` (median of 31 fresh interpreters, minus a bare
interpreter's start): {package.import_ms:.1f} ms. boto3 itself is imported when the first event
builds the client, once per execution environment.

## Targets

{chr(10).join(targets(runs, latency))}

## Limits

- What the function reads is lines 1 and 2 (and the last byte): for a huge line 2 that is the
  whole file, in reads of 64 KiB doubling to 1 MiB. On Lambda the parse gets the CPU share of
  the function's memory size, not this machine's.
- A store that ignores a read's range and answers with the whole object (MiniStack 1.5.33
  without pipesum's patches, for a read that names a version) is read no further than the
  range; the next chunks are read on from that answer.
- One number is never split: its digits are kept until it ends, so a single number millions of
  digits long costs memory in proportion to its length (the sum row itself is that long).
- The function's time on a file of 5 MiB and more includes UploadPartCopy, which the emulator
  performs by copying the object; S3 copies on its side too. No byte of the copy passes
  through the function: its S3 bytes say what did.
- awk sums in binary floating point, and the naive approach in Python floats: their sums are
  exact only when the rounding happens to cancel.
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
    function_root: Path
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
            env = probe_env(connection, item, self.function_root)
            for approach in APPROACHES_OF[item.shape]:
                if approach == "awk":
                    run = run_awk(item, self.work, self.awk_timeout)
                else:
                    run = run_probe(approach, item, self.work, env, key)
                say(
                    f"  {approach:8} {ms(run.process_seconds):>12} ms whole, "
                    f"{ms(run.seconds):>12} ms in-process  {mib(run.peak_rss_kib):>8} MiB  "
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
    args = parser.parse_args(argv)
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
    bench = Bench(
        work=work,
        sizes=tuple(int(size) for size in args.sizes.split(",")),
        drops=args.drops,
        awk_timeout=args.awk_timeout,
        function_root=args.function_root.resolve(),
    )
    try:
        floor = launcher_floor(work)
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
        s3: S3Client = connection.session().client("s3", endpoint_url=connection.endpoint_url)
        buckets = create_buckets_as_deployed(s3, outputs)
        for line in buckets:
            say(f"  {line}")
        counts = phase(
            f"counting S3 requests per event by path, now and at {args.baseline}",
            lambda: compare_requests(connection, s3, bench, args.baseline, buckets),
        )
        if args.requests_only:
            write_requests_section(args.output, requests_section(counts))
            say(f"- rewrote the requests per event in {args.output}")
            return 0
        pipeline = Pipeline(outputs, connection)
        latency = phase(
            f"timing {args.drops} drops of the sample end to end",
            lambda: drop_latencies(pipeline, args.drops),
        )
        say(f"  p50 {latency.p50 * 1000:.0f} ms, p95 {latency.p95 * 1000:.0f} ms")
        bench.measure_all(connection, s3)
    finally:
        emulator.stop()
        shutil.rmtree(work, ignore_errors=True)
    setup = Setup(emulator_text(patched), awk, floor, buckets, bench.function_root)
    chart = args.output.with_suffix(".png")
    write_chart(bench.runs, chart)
    page = render(bench.runs, latency, package, machine(load_before, setup), setup, chart.name)
    args.output.write_text(page)
    write_requests_section(args.output, requests_section(counts))
    say(f"- wrote {args.output} and {chart}")
    for line in targets(bench.runs, latency):
        say(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
