"""make bench-emulators: the memory of an emulator's process group, a failed step, the page."""

from __future__ import annotations

import os
from pathlib import Path
from typing import cast

from harness.bench.emulators import Measured, measure, process_group_rss_kib, render
from harness.emulator_gaps import pinned_version
from providers.base import TargetError
from providers.emulator_process import EmulatorProcess


def a_process(proc: Path, pid: int, group: int, rss_kib: int | None) -> None:
    folder = proc / str(pid)
    folder.mkdir()
    # the command may hold spaces and parentheses: the fields after the last ")" are counted
    (folder / "stat").write_text(f"{pid} (python (x) y) S 1 {group} {group} 0 -1\n")
    vm = f"VmRSS:\t{rss_kib} kB\n" if rss_kib is not None else ""
    (folder / "status").write_text(f"Name:\tpython\n{vm}Threads:\t1\n")


def test_the_resident_memory_of_a_group_sums_its_processes_only(tmp_path: Path) -> None:
    a_process(tmp_path, 100, 100, 2048)
    a_process(tmp_path, 101, 100, 1024)
    a_process(tmp_path, 102, 100, None)  # a zombie has no VmRSS
    a_process(tmp_path, 200, 200, 4096)
    (tmp_path / "self").mkdir()
    assert process_group_rss_kib(100, tmp_path) == 3072


def test_this_process_group_has_memory() -> None:
    assert process_group_rss_kib(os.getpgrp()) > 0


class FailingToStart:
    name = "ministack"
    pid = None

    def __init__(self) -> None:
        self.stopped = False

    def start(self) -> None:
        raise TargetError("port 4566 is busy\nmore")

    def stop(self) -> None:
        self.stopped = True


def test_a_step_that_fails_is_named_and_the_emulator_stopped(tmp_path: Path) -> None:
    emulator = FailingToStart()
    measured = measure(cast(EmulatorProcess, emulator), tmp_path, drops=1)
    assert measured.failure == "start: TargetError: port 4566 is busy"
    assert emulator.stopped
    assert set(measured.seconds) == {"start", "stop"}


def test_the_page_has_a_column_per_emulator_and_says_what_failed() -> None:
    ministack = Measured(pinned_version("ministack"), {"start": 1.25, "drop p50": 0.0314}, 412.4)
    localstack = Measured(pinned_version("localstack"), {"start": 3.0}, None, "apply: X: y")
    page = render([ministack, localstack], drops=20, load=(1.0, 0.5, 0.25), when="today")
    assert "once cold and 20 times more" in page
    assert "load average before: 1.00, 0.50, 0.25." in page
    assert f"| | {ministack.emulator} | {localstack.emulator} |" in page
    assert "| start | 1.2 s | 3.0 s |" in page
    assert "| drop p50 | 31 ms | not measured |" in page
    assert "| resident memory after the drops | 412 MiB | not measured |" in page
    assert page.endswith(f"- {localstack.emulator} failed at apply: X: y\n")
