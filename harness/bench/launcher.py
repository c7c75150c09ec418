"""Timing a whole process and reading its peak RSS, through a small launcher process.

Linux keeps a process's peak RSS across fork and exec: a child of the bench (a large process)
would report at least the bench's RSS. So each command is started by this small launcher, whose
own RSS at the fork is then the floor of every figure (measured: `launcher_floor`).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from kit.paths import REPO_ROOT

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
