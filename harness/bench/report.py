"""The page docs/benchmarks.md: its tables, ratios and verdicts, filled into report.md.tmpl."""

from __future__ import annotations

from dataclasses import dataclass

from harness.bench.inputs import SHAPES
from harness.bench.latency import Latency
from harness.bench.machine import Machine, Setup
from harness.bench.package_figures import PackageFigures
from harness.bench.requests import requests_text
from harness.bench.runner import AWK_PROGRAM, Measurement
from harness.bench.templates import fill
from harness.bench.units import KIB, MIB, cell_bytes, human, mib, ms
from kit.paths import REPO_ROOT

TARGET_RSS_MB = 100
SPEED_TARGET = 10


def get_text(run: Measurement) -> str:
    """GetObject answers by status, and how many named a version."""
    if not run.get_statuses:
        return "—"
    statuses = ", ".join(f"{status}: {count}" for status, count in sorted(run.get_statuses.items()))
    return f"{statuses}; {run.versioned_gets} with VersionId"


def results_table(runs: list[Measurement]) -> str:
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


def find(runs: list[Measurement], approach: str, shape: str, nominal: int) -> Measurement | None:
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
    ours: str,
    our_seconds: float | None,
    theirs: str,
    their: Measurement,
    their_seconds: float | None,
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


def whole_process_ratio(runs: list[Measurement], shape: str, nominal: int) -> Ratio | None:
    core, awk = find(runs, "core", shape, nominal), find(runs, "awk", shape, nominal)
    if core is None or awk is None:
        return None
    return ratio("core", core.process_seconds, "awk", awk, awk.process_seconds)


def function_ratio(runs: list[Measurement], shape: str, nominal: int) -> Ratio | None:
    function, naive = find(runs, "function", shape, nominal), find(runs, "naive", shape, nominal)
    if function is None or naive is None:
        return None
    return ratio("function", function.seconds, "naive", naive, naive.seconds)


def sum_ratio(runs: list[Measurement], shape: str, nominal: int) -> Ratio | None:
    core, naive = find(runs, "core", shape, nominal), find(runs, "naive", shape, nominal)
    if core is None or naive is None:
        return None
    return ratio("core", core.seconds, "naive", naive, naive.sum_seconds)


def ratios_table(runs: list[Measurement]) -> str:
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


def targets(runs: list[Measurement], latency: Latency) -> list[str]:
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
        # A file read whole is located by its GetObject, which names no version yet; a copied
        # one by HeadObject. Every other GetObject must read the version located.
        gets = sum(r.requests.get("GetObject", 0) for r in function_runs)
        versioned = sum(r.versioned_gets for r in function_runs)
        read_whole = sum(1 for r in function_runs if not _copied(r))
        unpinned = [
            r.input.label
            for r in function_runs
            if r.requests.get("GetObject", 0) - r.versioned_gets > (0 if _copied(r) else 1)
        ]
        out.append(
            f"- {verdict(gets > 0 and not unpinned)} every GetObject of the function named the "
            f"version it located, but the one that locates a file read whole: {versioned} of "
            f"{gets} named it, {read_whole} located by their read"
            + (f"; not so: {', '.join(unpinned)}." if unpinned else ".")
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


def awk_timeout_of(run: Measurement) -> float:
    return float(run.note.split()[2])  # "stopped after N s"


def verdict(met: bool) -> str:
    return "**met**:" if met else "**not met**:"


def render(
    runs: list[Measurement],
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
    return fill(
        "report.md.tmpl",
        date=host.date,
        commit=commit,
        cpu=host.cpu,
        cores=host.cores,
        ram_gib=f"{host.ram_gib:.1f}",
        python=host.python,
        system=host.system,
        emulator=host.emulator,
        awk=host.awk,
        measured=measured,
        load_before=load,
        load_after=load_after,
        tall_row_2=tall_row_2,
        buckets=buckets,
        awk_program=AWK_PROGRAM,
        floor_mib=f"{host.floor_kib / KIB:.1f}",
        small_text=small_text,
        results=results_table(runs),
        chart=chart,
        ratios=ratios_table(runs),
        cold_ms=f"{latency.cold * 1000:.0f}",
        drops=len(latency.samples),
        p50_ms=f"{latency.p50 * 1000:.0f}",
        p95_ms=f"{latency.p95 * 1000:.0f}",
        max_ms=f"{max(latency.samples) * 1000:.0f}",
        zip_bytes=f"{package.zip_bytes:,}",
        files=package.files,
        import_ms=f"{package.import_ms:.1f}",
        targets="\n".join(targets(runs, latency)),
    )


def _copied(run: Measurement) -> bool:
    """The function copied the file inside S3: it located it by HeadObject, not by its read."""
    return run.requests.get("CreateMultipartUpload", 0) > 0
