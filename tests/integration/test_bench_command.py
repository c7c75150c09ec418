"""`make bench` on the smallest input: its own emulator and stack, a page of what it measured.

The command runs as a user runs it (`python -m harness.bench`), writing its page and chart to a
folder of the test's; the published docs/benchmarks.md is not touched.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from kit.paths import REPO_ROOT

COMMAND_SECONDS = 1800
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def headings(page: str) -> list[str]:
    return re.findall(r"^#+ .*$", page, flags=re.MULTILINE)


def test_the_bench_writes_a_page_of_what_it_measured(tmp_path: Path) -> None:
    page_path = tmp_path / "benchmarks.md"
    published = (REPO_ROOT / "docs" / "benchmarks.md").read_bytes()
    command = [
        sys.executable,
        "-m",
        "harness.bench",
        "--sizes",
        "1024",
        "--drops",
        "3",
        "--output",
        str(page_path),
    ]
    ran = subprocess.run(
        command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=COMMAND_SECONDS, check=False
    )
    said = ran.stdout + ran.stderr
    assert ran.returncode == 0, said[-4000:]
    page = page_path.read_text()
    commit = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert f"at commit `{commit[:12]}`" in page
    assert headings(page) == headings(published.decode())
    # Each approach measured the 1 KiB input: a row of the results each.
    for approach in ("function", "core", "naive", "awk"):
        assert re.search(rf"^\| 1 KiB [^|]*\| {approach} \|", page, flags=re.MULTILINE), approach
    # The requests per event: the new key's path, counted now, within its target of 3.
    new_key = re.search(r"^\| new key[^|]*\| \w+ \| \*\*(\d+)\*\*", page, flags=re.MULTILINE)
    assert new_key is not None, page[page.find("## S3 requests") :][:2000]
    assert int(new_key.group(1)) <= 3
    assert page_path.with_suffix(".png").read_bytes().startswith(PNG_SIGNATURE)
    assert (REPO_ROOT / "docs" / "benchmarks.md").read_bytes() == published
