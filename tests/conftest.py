"""Options shared by every test level."""

from __future__ import annotations

import signal
from types import FrameType

import pytest

from providers import DEFAULT_TARGET, TARGET_NAMES
from providers.emulator_process import stop_every_started
from tests.support.groups import GroupsNamedInIds

pytest_plugins = [
    "tests.support.reliability_plugin",
    "tests.support.behaviour_plugin",
    "tests.support.time_budget_plugin",
]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--target",
        choices=TARGET_NAMES,
        default=DEFAULT_TARGET,
        help=f"where the integration tests deploy the pipeline (default: {DEFAULT_TARGET})",
    )
    parser.addoption(
        "--fail-on-skip",
        action="store_true",
        help="fail the run if any test was skipped (`make test`: the default run skips nothing)",
    )
    parser.addoption(
        "--sandbox",
        action="store_true",
        help="run the integration tests named on the sandbox `make up` runs on --target, with "
        "this working tree's function deployed to it in place: no emulator started, no stack "
        "applied or destroyed (`make e2e`)",
    )


def _stop_on_sigterm(signum: int, frame: FrameType | None) -> None:  # noqa: ARG001  (signal's)
    """SIGTERM (`timeout`, CI stopping a job) ends the session as Ctrl-C does, its emulators
    stopped first: they run in process groups of their own, which the signal does not reach, and
    a stack on a stopped emulator is not destroyed, so the teardown that follows is quick."""
    stop_every_started()
    raise KeyboardInterrupt


def pytest_configure(config: pytest.Config) -> None:
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    if config.getoption("dist", "no") == "loadgroup":
        config.pluginmanager.register(GroupsNamedInIds(), "pipesum-groups-named-in-ids")
    if config.getoption("--fail-on-skip") and not hasattr(config, "workerinput"):
        config.pluginmanager.register(_SkipsFail(), "pipesum-fail-on-skip")


class _SkipsFail:
    """--fail-on-skip: a skipped test fails the run, named with its reason."""

    def __init__(self) -> None:
        self.skipped: list[str] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.skipped:
            reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
            self.skipped.append(f"{report.nodeid}: {reason}")

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.skipped and session.exitstatus == 0:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.skipped:
            terminalreporter.section("skipped, which fails this run (--fail-on-skip)")
            for line in self.skipped:
                terminalreporter.write_line(line)
