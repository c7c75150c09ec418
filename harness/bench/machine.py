"""What a run was measured on: the machine, the commit, the emulator, awk, the launcher's floor."""

from __future__ import annotations

import datetime
import os
import platform
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from harness.bench.units import MIB
from harness.commits import current_commit
from kit.paths import REPO_ROOT


@dataclass(frozen=True)
class Setup:
    """What the run was measured on, besides the machine."""

    emulator: str
    awk: str
    floor_kib: int
    buckets: list[str]
    function_root: Path


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
        date=now(),
        commit=current_commit()[:12],
        uncommitted=uncommitted_changes(),
        emulator=setup.emulator,
        awk=setup.awk,
        floor_kib=setup.floor_kib,
    )


def now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")


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
