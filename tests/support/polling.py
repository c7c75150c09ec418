"""Waiting on an emulator without fixed sleeps: read until a condition holds, with a deadline."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import pytest

T = TypeVar("T")


def poll(what: str, read: Callable[[], T], done: Callable[[T], bool], seconds: float) -> T:
    """Read until `done` holds; on the deadline fail, saying what was last seen."""
    deadline = time.monotonic() + seconds
    while True:
        seen = read()
        if done(seen):
            return seen
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {seconds:.0f} s; last seen: {seen!r}")
        time.sleep(0.2)
