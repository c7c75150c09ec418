"""The bench's page from fabricated measurements: every figure lands where the page says it is."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from harness.bench.inputs import Input
from harness.bench.latency import Latency
from harness.bench.machine import Machine, Setup
from harness.bench.package_figures import PackageFigures
from harness.bench.report import render, targets
from harness.bench.requests import RequestCounts, requests_section
from harness.bench.runner import Measurement
from harness.bench.units import MIB
from kit.paths import REPO_ROOT

TALL = Input("tall", 64 * MIB, Path("tall-67108864.txt"), 67_108_880, 39, "23186.60")
WIDE = Input("wide", 64 * MIB, Path("wide-67108864.txt"), 67_108_870, 58_720_256, "1234.50")
COPY_REQUESTS = {
    "GetObject": 2,
    "CreateMultipartUpload": 1,
    "UploadPartCopy": 1,
    "UploadPart": 1,
    "CompleteMultipartUpload": 1,
}
RUNS = [
    Measurement(
        "function",
        TALL,
        process_seconds=1.5,
        seconds=0.25,
        peak_rss_kib=40_960,
        total="23186.6",
        read=65_537,
        answered=65_537,
        written=10,
        requests=COPY_REQUESTS,
        get_statuses={"206": 2},
        versioned_gets=2,
    ),
    Measurement(
        "function",
        WIDE,
        process_seconds=2.0,
        seconds=1.0,
        peak_rss_kib=51_200,
        total="1234.50",
        read=67_108_870,
        answered=67_108_870,
        written=8,
        requests={"GetObject": 7},
        get_statuses={"206": 7},
        versioned_gets=6,
    ),
    Measurement(
        "core", WIDE, process_seconds=0.2, seconds=0.1, peak_rss_kib=20_480, total="1234.5"
    ),
    Measurement("naive", WIDE, peak_rss_kib=512_000, note="failed (exit 1): MemoryError"),
    Measurement("awk", WIDE, process_seconds=4.0, peak_rss_kib=3_072, total="1234.5000000000002"),
]
#: Nearest-rank percentiles (kit.statistics): p50 the 10th sample, p95 the 19th.
LATENCY = Latency(cold=0.8, samples=[0.1] * 18 + [0.3, 0.5])
SETUP = Setup(
    emulator="ministack 1.5.33 with pipesum's patches",
    awk="`/usr/bin/awk` (resolves to `/usr/bin/gawk`): GNU Awk 5.2.1",
    floor_kib=1_536,
    buckets=["`pipesum-bench-source`: versioning Enabled", "`pipesum-bench-destination`: too"],
    function_root=REPO_ROOT / "function",
)
HOST = Machine(
    cpu="Test CPU",
    cores=2,
    ram_gib=15.5,
    python="3.11.7",
    system="Linux 6.1",
    load_before=(0.5, 0.25, 0.75),
    load_after=(1.0, 2.0, 3.0),
    date="2026-01-02 03:04 UTC",
    commit="0123456789ab",
    uncommitted=["harness/x.py"],
    emulator=SETUP.emulator,
    awk=SETUP.awk,
    floor_kib=SETUP.floor_kib,
)
PACKAGE = PackageFigures(zip_bytes=1_234_567, files=12, import_ms=42.3)


@pytest.fixture(scope="module")
def page() -> str:
    return render(RUNS, LATENCY, PACKAGE, HOST, SETUP, "benchmarks.png")


def headings(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("#")]


def test_the_page_has_the_sections_of_the_published_one(page: str) -> None:
    counts = RequestCounts([], [], "abc1234", [])
    published = (REPO_ROOT / "docs" / "benchmarks.md").read_text()
    assert headings(page + requests_section(counts)) == headings(published)


def test_the_machine_and_the_commit_are_named(page: str) -> None:
    assert page.startswith(
        "# Benchmarks\n\nWritten by `make bench` (harness/bench/) on 2026-01-02 03:04 UTC, at "
        "commit `0123456789ab` with uncommitted changes to `harness/x.py`. Run it again to\n"
    )
    assert "- **CPU**: Test CPU, 2 cores\n- **RAM**: 15.5 GiB\n" in page
    assert "- **Python**: 3.11.7 (Linux 6.1)\n" in page
    assert "- **Emulator**: ministack 1.5.33 with pipesum's patches\n" in page
    assert f"- **awk**: {SETUP.awk}\n" in page  # the function measured is this checkout's
    assert "(1, 5, 15 min): 0.50, 0.25, 0.75 before the run, 1.00, 2.00, 3.00 after." in page


def test_another_function_root_is_named() -> None:
    other = Setup(SETUP.emulator, SETUP.awk, SETUP.floor_kib, SETUP.buckets, Path("/elsewhere"))
    rendered = render(RUNS, LATENCY, PACKAGE, HOST, other, "benchmarks.png")
    assert f"- **awk**: {SETUP.awk}\n- **Function measured**: the package in `/elsewhere`\n" in (
        rendered
    )


def test_the_setup_figures_are_in_the_text(page: str) -> None:
    assert "(39 bytes), then rows like the sample's line 2 up to the size." in page
    assert (
        "  - `pipesum-bench-source`: versioning Enabled\n  - `pipesum-bench-destination`: too\n"
    ) in page
    awk = "awk -F'|' 'NR==2{for(i=1;i<=NF;i++)s+=$i; printf \"%.17g\\n\", s; exit}'"
    assert f"- **awk**: `{awk}` on the local file." in page
    assert "floor of every figure, 1.5 MiB in this\nrun" in page
    assert "split on `\\n`, line 2 split on `|`" in page


def test_each_measurement_is_a_row_of_the_results(page: str) -> None:
    rows = [line for line in page.splitlines() if line.startswith("| 64 MiB")]
    assert rows[: len(RUNS)] == [
        (
            "| 64 MiB tall (67,108,880 B) | function | 1,500.00 | 250.00 | 40.0 "
            "| 64.0 KiB (64.0 KiB) | 10 B | Get 2, Create 1, PartCopy 1, Part 1, Complete 1 "
            "| 206: 2; 2 with VersionId | yes |"
        ),
        (
            "| 64 MiB wide (67,108,870 B) | function | 2,000.00 | 1,000.00 | 50.0 "
            "| 64.0 MiB (64.0 MiB) | 8 B | Get 7 | 206: 7; 6 with VersionId | yes |"
        ),
        (
            "| 64 MiB wide (67,108,870 B) | core | 200.00 | 100.00 | 20.0 | local file | — | — | — "
            "| yes |"
        ),
        (
            "| 64 MiB wide (67,108,870 B) | naive | — | — | 500.0 | — | — | — | — "
            "| — (failed (exit 1): MemoryError) |"
        ),
        (
            "| 64 MiB wide (67,108,870 B) | awk | 4,000.00 | — | 3.0 | local file | — | — | — "
            "| no: 1234.5000000000002 |"
        ),
    ]
    assert "![whole-process time and peak RSS against input size](benchmarks.png)" in page


def test_the_ratios_compare_like_with_like(page: str) -> None:
    assert (
        "| 64 MiB wide | core 20.0x faster (200.0 vs 4,000.0 ms) "
        "| — (naive failed (exit 1): MemoryError) | — (naive failed (exit 1): MemoryError) |"
    ) in page
    assert "| 64 MiB tall | — (not run on this shape) | — (not run on this shape) " in page


def test_the_latency_and_the_package_figures(page: str) -> None:
    assert "worker): 800 ms; then over 20 drops: p50\n**100 ms**, p95 **300 ms**, max\n500 ms." in (
        page
    )
    assert "`build/function.zip` (`python -m harness.package`): 1,234,567 bytes, 12\nfiles." in (
        page
    )
    assert "interpreter's start): 42.3 ms." in page


def test_the_targets_say_met_or_not_with_their_figures(page: str) -> None:
    expected = [
        (
            "- **met**: at least 10x awk, whole process, on the 64 MiB file with a huge line 2 of "
            "fixed-width fields: core 20.0x faster (200.0 vs 4,000.0 ms); core's sum exact."
        ),
        (
            "- **met**: peak RSS of the function under 100 MB for the 64 MiB file with a short "
            "line 2, on the versioned SSE-KMS buckets: 41.9 MB (40.0 MiB); GetObject answers "
            "206: 2; 2 with VersionId."
        ),
        (
            "- **met**: peak RSS of the function under 100 MB for every input: at most 52.4 MB "
            "(64 MiB wide)."
        ),
        (
            "- **met**: every GetObject of the function named the version it located, but the "
            "one that locates a file read whole: 8 of 9 named it, 1 located by their read."
        ),
        (
            "- **met**: bytes read by the function for a short line 2 under 1 MiB whatever the "
            "size: at most 64.0 KiB (64 MiB tall; the store answered 64.0 KiB)."
        ),
        (
            "- **met**: bytes written by the function under 1 KiB for files of 5 MiB and more: at "
            "most 10 B (64 MiB tall)."
        ),
        "- **met**: sample latency p95 under 1 s on the emulator: 300 ms.",
    ]
    assert targets(RUNS, LATENCY) == expected
    assert "## Targets\n\n" + "\n".join(expected) + "\n\n## Limits\n" in page


def test_a_missed_target_says_not_met() -> None:
    slow = Latency(cold=0.8, samples=[2.0] * 20)
    heavy = [*RUNS[1:], Measurement("function", TALL, peak_rss_kib=200_000, note="failed")]
    said = targets(heavy, slow)
    assert "- **not met**: sample latency p95 under 1 s on the emulator: 2000 ms." in said
    assert (
        "- **not met**: peak RSS of the function under 100 MB for every input: at most 204.8 MB "
        "(64 MiB tall); failed: 64 MiB tall."
    ) in said


def test_a_later_read_of_an_unnamed_version_says_not_met() -> None:
    """A read after the one that locates the file, naming no version, could read another."""
    unpinned = [dataclasses.replace(RUNS[1], versioned_gets=5), *RUNS[2:]]
    assert (
        "- **not met**: every GetObject of the function named the version it located, but the "
        "one that locates a file read whole: 5 of 7 named it, 1 located by their read; not so: "
        "64 MiB wide."
    ) in targets(unpinned, LATENCY)


def test_a_copied_file_located_by_head_has_no_unnamed_read() -> None:
    """The copy path locates the file by HeadObject: even its first read must name the version."""
    unpinned = [dataclasses.replace(RUNS[0], versioned_gets=1)]
    assert (
        "- **not met**: every GetObject of the function named the version it located, but the "
        "one that locates a file read whole: 1 of 2 named it, 0 located by their read; not so: "
        "64 MiB tall."
    ) in targets(unpinned, LATENCY)


def test_no_placeholder_is_left(page: str) -> None:
    assert re.findall(r"\$\w+", page) == ["$i"]  # the awk program's field
