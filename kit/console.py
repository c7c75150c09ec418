"""Console output of the harness's commands: a line at a time, flushed, and timed steps."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def say(message: str) -> None:
    print(message, flush=True)


def step(description: str, action: Callable[[], T]) -> T:
    """Say what is being done, do it, say how long it took, and return what it returned."""
    started = time.monotonic()
    say(f"- {description} ...")
    result = action()
    say(f"  done in {time.monotonic() - started:.1f} s")
    return result
