"""Options shared by every test level."""

from __future__ import annotations

import signal
from types import FrameType

import pytest

from providers import DEFAULT_TARGET, TARGET_NAMES
from providers.emulator_process import stop_every_started

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


def pytest_configure(config: pytest.Config) -> None:  # noqa: ARG001  (pytest's hook)
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
