"""`make soak` at a small scale: its own emulator, a fresh stack, every file accounted for.

The command runs as a user runs it (`python -m harness.soak`), recorded as the reliability
scenario "soak-small" so that the published 2,000-file soak keeps its own row.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

from kit.paths import REPO_ROOT

FILES = 12
RECORD = REPO_ROOT / "build" / "reliability" / "soak-small.jsonl"
COMMAND_SECONDS = 1800


def test_a_small_soak_accounts_for_every_file_and_leaves_its_record() -> None:
    recorded_before = len(RECORD.read_text().splitlines()) if RECORD.exists() else 0
    command = [
        sys.executable,
        "-m",
        "harness.soak",
        "--scenario",
        "soak-small",
        "--files",
        str(FILES),
        "--rate",
        "2",
        "--threads",
        "2",
        "--deadline",
        "600",
    ]
    ran = subprocess.run(
        command, cwd=REPO_ROOT, capture_output=True, text=True, timeout=COMMAND_SECONDS, check=False
    )
    said = ran.stdout + ran.stderr
    assert ran.returncode == 0, said[-4000:]
    books = re.search(
        r"soak: dropped (\d+) = outputs (\d+) \+ rejection reports (\d+) \+ failure-queue "
        r"messages (\d+); lost (\d+)",
        said,
    )
    assert books is not None, said[-4000:]
    dropped, outputs, reports, failed, lost = map(int, books.groups())
    assert (dropped, lost, failed) == (FILES, 0, 0)
    assert outputs + reports == FILES
    assert reports > 0, "the mix holds invalid files: some must end as rejection reports"
    records = RECORD.read_text().splitlines()
    assert len(records) == recorded_before + 1
    record = json.loads(records[-1])
    assert (record["id"], record["result"]) == ("soak-small", "passed")
    assert (record["books"]["dropped"], record["books"]["outcomes"]) == (FILES, FILES)
