"""Stopping an emulator ends its whole process group before returning: what it started (Lambda
workers, runtimes) and ignores SIGTERM is killed, and stop() waits until none of it is left, so
`make down` leaves no process behind, even on a loaded machine. A process that started one and
has no SIGTERM handler of its own stops it on SIGTERM."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

import pytest

from providers import emulator_process
from providers.base import Connection, TargetError
from providers.emulator_process import EmulatorProcess, group_alive
from tests.support.polling import poll

# The emulator stand-in: it starts a worker that ignores SIGTERM, says it is ready, and waits.
LEADER = """
import signal, subprocess, sys, time
worker = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(120)"
subprocess.Popen([sys.executable, "-c", worker])
open("ready", "w").close()
time.sleep(120)
"""


class StandIn(EmulatorProcess):
    name = "stand-in"
    label = "a stand-in emulator"

    def command(self) -> list[str]:
        return [sys.executable, "-c", LEADER]

    def process_environment(self, inherited: dict[str, str]) -> dict[str, str]:
        return inherited

    def health(self) -> str:
        return "healthy" if (self.state_dir / "ready").exists() else "not ready"

    def connection(self) -> Connection:
        return Connection(region="us-east-1", endpoint_url=self.endpoint_url)


def test_stop_returns_when_nothing_of_the_group_is_left(tmp_path: Path) -> None:
    emulator = StandIn(state_dir=tmp_path)
    emulator.start()
    group = emulator.pid
    assert group is not None
    emulator.stop()
    with pytest.raises(ProcessLookupError):
        os.killpg(group, 0)


def test_a_group_that_outlives_the_wait_is_named_with_what_is_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(emulator_process, "STOP_TIMEOUT_SECONDS", 0.5)
    emulator = StandIn(state_dir=tmp_path)
    emulator.start()
    group = emulator.pid
    assert group is not None
    # a group that never empties (a zombie whose parent never reaps it would be one)
    monkeypatch.setattr(emulator_process, "group_alive", lambda _: True)
    with pytest.raises(TargetError, match=f"group {group} were still there 0 s after SIGKILL"):
        emulator.stop()
    assert emulator.pid is None  # stopped as far as it goes: not stopped again
    monkeypatch.undo()
    poll(f"process group {group} gone", lambda: group_alive(group), lambda alive: not alive, 10)


def test_what_is_left_of_a_group_is_named_by_pid_state_and_command() -> None:
    members = emulator_process._group_members(os.getpgrp())
    assert any(member.startswith(f"{os.getpid()} (R) python") for member in members), members


@pytest.fixture
def sigterm_left_as_found() -> Iterator[None]:
    found = signal.getsignal(signal.SIGTERM)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, found)


@pytest.mark.usefixtures("sigterm_left_as_found")
def test_a_process_that_starts_an_emulator_stops_it_on_sigterm_and_exits_143(
    tmp_path: Path,
) -> None:
    emulator = StandIn(state_dir=tmp_path)
    emulator.start()
    group = emulator.pid
    assert group is not None
    handler = signal.getsignal(signal.SIGTERM)
    assert callable(handler)

    with pytest.raises(SystemExit) as exited:
        handler(signal.SIGTERM, None)

    assert exited.value.code == 128 + signal.SIGTERM
    assert emulator.pid is None
    assert not group_alive(group)


@pytest.mark.usefixtures("sigterm_left_as_found")
def test_a_sigterm_handler_of_the_process_s_own_is_kept(tmp_path: Path) -> None:
    def own(signum: int, frame: FrameType | None) -> None:  # noqa: ARG001  (signal's)
        return

    signal.signal(signal.SIGTERM, own)
    emulator = StandIn(state_dir=tmp_path)
    emulator.start()
    try:
        assert signal.getsignal(signal.SIGTERM) is own
    finally:
        emulator.stop()
