"""The harness's targets: the AWS endpoints the pipeline can be deployed to and tested against.

Each target starts (or attaches to) an endpoint and says how to reach it; the tests and the
sandbox are the same whatever the target.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from providers.aws import RealAWS
from providers.base import Connection, Target, TargetError
from providers.localstack import LocalStack
from providers.localstack_process import LocalStackProcess
from providers.ministack import MiniStack

__all__ = [
    "DEFAULT_TARGET",
    "TARGET_NAMES",
    "Connection",
    "Target",
    "TargetError",
    "make_target",
    "sandbox_target",
]

TARGET_NAMES = ("ministack", "localstack", "aws")
#: The sandbox's and the tests' target when none is named (decision 15).
DEFAULT_TARGET = "localstack"
#: LOCALSTACK_MODE=container: testcontainers starts LocalStack's image (where Docker runs).
LOCALSTACK_MODE_VARIABLE = "LOCALSTACK_MODE"


def make_target(name: str, *, state_dir: Path) -> Target:
    """The target called `name`; `state_dir` holds what it writes (logs, emulator data)."""
    if name == "ministack":
        return MiniStack(state_dir=state_dir)
    if name == "localstack":
        if (
            os.environ.get("LOCALSTACK_ENDPOINT")
            or os.environ.get(LOCALSTACK_MODE_VARIABLE) == "container"
        ):
            return LocalStack()
        return LocalStackProcess(state_dir=state_dir)
    if name == "aws":
        return RealAWS()
    raise TargetError(f"unknown target {name!r}; choose one of {', '.join(TARGET_NAMES)}")


def sandbox_target(name: str, *, state_dir: Path, say: Callable[[str], object]) -> Target:
    """The target called `name` as the sandbox commands use it: one that outlives the command.

    An emulator: the one recorded in `state_dir`, else a new one there (port 4566 when free);
    LocalStack at LOCALSTACK_ENDPOINT: yours; AWS: the account of your credentials.
    """
    if name == "ministack":
        return MiniStack.for_sandbox(state_dir, say)
    if name == "localstack" and os.environ.get("LOCALSTACK_ENDPOINT"):
        return LocalStack(may_start_container=False)
    if name == "localstack":
        return LocalStackProcess.for_sandbox(state_dir, say)
    return make_target(name, state_dir=state_dir)
