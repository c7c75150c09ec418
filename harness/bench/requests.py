"""S3 requests per event, by path through the function: counted for the function measured and
for a baseline commit's, and the page section that sets them side by side (`--requests-only`)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tarfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from harness.bench.buckets import BENCH_DESTINATION, BENCH_SOURCE, function_env
from harness.bench.machine import now, uncommitted_changes
from harness.bench.templates import fill
from harness.commits import current_commit
from harness.stack import empty_bucket
from kit.console import say
from kit.paths import REPO_ROOT
from providers.base import Connection

#: The function before issue 16 (fewer S3 requests per event): the default "before" of the counts.
BASELINE = "b3593aa"
REQUESTS_BEGIN = "<!-- requests per event: begin -->"
REQUESTS_END = "<!-- requests per event: end -->"
#: The issue's targets: at most this many S3 requests for one event on these paths.
REQUEST_TARGETS = {"new key, valid small file": 3, "new version of a key with an output": 4}
#: Paths issue 16 allows no more requests than before it.
NO_MORE_THAN_BEFORE = (
    "rejected file, new key",
    "rejected version of a key with an output",
    "second rejected version of a key with an output",
    "large file (6 MiB, copied)",
)
SHORT_NAMES = {
    "GetObject": "Get",
    "PutObject": "Put",
    "HeadObject": "Head",
    "CreateMultipartUpload": "Create",
    "UploadPartCopy": "PartCopy",
    "UploadPart": "Part",
    "CompleteMultipartUpload": "Complete",
    "DeleteObject": "Delete",
    "CopyObject": "Copy",
    "ListMultipartUploads": "ListUploads",
}


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


def requests_text(requests: dict[str, int]) -> str:
    """`Get 1, Put 2`: requests by operation, in the order made."""
    return (
        ", ".join(f"{SHORT_NAMES.get(name, name)} {count}" for name, count in requests.items())
        or "—"
    )


def counted_text() -> str:
    """Today's date and the commit measured, naming the files of it that differ from the commit."""
    text = f"{now()}, at commit `{current_commit()[:12]}`"
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
    """One event on each path (harness/bench/probe.py paths), in a process of its own."""
    prefix = f"paths-{uuid.uuid4().hex[:8]}"
    result_path = work / f"{prefix}.json"
    command = [sys.executable, "-m", "harness.bench.probe", "paths", prefix, str(result_path)]
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
    connection: Connection, function_root: Path, work: Path, baseline: str, buckets: list[str]
) -> RequestCounts:
    """The counts of the function measured and of the baseline's, on the bench's buckets."""
    counts = RequestCounts(
        measured=count_requests(connection, function_root, work),
        baseline=count_requests(connection, baseline_function(baseline, work), work),
        baseline_revision=baseline,
        buckets=buckets,
        counted=counted_text(),
    )
    for count, before in zip(counts.measured, counts.baseline, strict=True):
        say(f"  {count.path}: {count.total} (before: {before.total})")
    empty_bucket(connection, BENCH_SOURCE)
    empty_bucket(connection, BENCH_DESTINATION)
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
        if count.path in NO_MORE_THAN_BEFORE:
            earlier = before.get(count.path)
            if earlier is None:
                verdicts.append(f"- {count.path}: no more than before: not counted before")
                continue
            met = "met" if count.total <= earlier.total else "**not met**"
            verdicts.append(
                f"- {count.path}: no more than before (issue 16): {count.total} "
                f"(before {earlier.total}), {met}"
            )
    section = fill(
        "requests.md.tmpl",
        begin=REQUESTS_BEGIN,
        end=REQUESTS_END,
        counted=counts.counted,
        baseline_revision=counts.baseline_revision,
        buckets="\n".join(f"- {line}" for line in counts.buckets),
        table="\n".join(rows),
        verdicts="\n".join(verdicts),
    )
    return section.removesuffix("\n")


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
