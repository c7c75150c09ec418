"""pytest plugin: the time of each group of tests in `make test`'s budget (harness/time_budget.py).

Active when the Makefile runs pytest as a part of the budget (PIPESUM_TIME_BUDGET set), in the
process that collects the results (the xdist controller, or pytest alone). A group is the unit
tests, or an integration group of tests/support/groups.py on its target; its time is wall clock
from its first test's setup (where its emulator starts and its stack is applied) to its last
test's teardown (where the stack is destroyed), and its CPU time is what the process that ran its
tests used, with the processes it started and reaped (Terraform, the emulators), from the report
before to each report of its tests. Written at the end of the session, also when tests failed.
"""

from __future__ import annotations

import os
import resource
from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from harness.time_budget import BUDGET_VARIABLE, PART_VARIABLE, append
from tests.support.groups import group_of

#: The name under which each report carries the CPU time spent since the report before it.
CPU_PROPERTY = "pipesum-cpu-seconds"


@dataclass
class Group:
    started: float
    ended: float
    tests: set[str] = field(default_factory=set)
    cpu: float = 0.0


def _cpu_seconds() -> float:
    own, children = (
        resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class CpuOfEachReport:
    """Puts on each test report the CPU time this process (and what it reaped) used since the
    previous report: added up by group where the reports are collected."""

    def __init__(self) -> None:
        self.last = _cpu_seconds()

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self) -> Generator[None, pytest.TestReport, None]:
        made = yield
        now = _cpu_seconds()
        made.get_result().user_properties.append((CPU_PROPERTY, now - self.last))
        self.last = now


class TimeBudget:
    def __init__(self, budget: Path, part: str, target: str) -> None:
        self.budget = budget
        self.part = part
        self.target = target
        self.groups: dict[str, Group] = {}

    def name(self, nodeid: str) -> str:
        if "tests/integration/" not in nodeid:
            return "unit tests"
        return f"integration, {group_of(nodeid)} (--target {self.target})"

    @pytest.hookimpl
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        name = self.name(report.nodeid)
        group = self.groups.setdefault(name, Group(report.start, report.stop))
        group.started = min(group.started, report.start)
        group.ended = max(group.ended, report.stop)
        group.tests.add(report.nodeid)
        group.cpu += sum(
            float(value) for name, value in report.user_properties if name == CPU_PROPERTY
        )

    @pytest.hookimpl
    def pytest_sessionfinish(self) -> None:
        for name, group in sorted(self.groups.items(), key=lambda item: item[1].started):
            line = {"part": self.part, "group": name, "seconds": group.ended - group.started}
            append(line | {"tests": len(group.tests), "cpu": round(group.cpu, 1)}, self.budget)


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(CpuOfEachReport(), "pipesum-cpu-of-each-report")
    if hasattr(config, "workerinput"):  # a worker: its controller counts
        return
    # Taken out of the environment, so the pytest runs that tests start count nothing here.
    budget = os.environ.pop(BUDGET_VARIABLE, None)
    part = os.environ.pop(PART_VARIABLE, "pytest")
    if not budget:
        return
    target = str(config.getoption("target", default=None) or "unknown")
    plugin = TimeBudget(Path(budget), part, target)
    config.pluginmanager.register(plugin, "pipesum-time-budget")
