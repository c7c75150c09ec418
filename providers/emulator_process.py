"""An AWS emulator run as a child process on loopback: started, recorded, reached, stopped.

What MiniStack and LocalStack share: the process is started in a process group of its own (so
stopping it stops what it started: Lambda workers, runtimes), its pid and port are recorded in its
state folder (so a later command attaches to the sandbox's), it counts as started when its health
endpoint says the services the Terraform root needs are available, and whatever it writes stays in
that folder. Each emulator says how it is started, what it needs and how its health reads.
"""

from __future__ import annotations

import abc
import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Self

from providers.base import Connection, Target, TargetError
from providers.ports import claimed, free_port, is_listening, port_holder

DEFAULT_PORT = 4566
START_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 10.0
# Set by the caller, they would point the emulator (and what it runs) at another endpoint or
# account than its own.
LEAKED_VARIABLES = ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")


#: The emulators this process started and has not stopped, for stop_every_started().
_STARTED: list[EmulatorProcess] = []


def stop_every_started() -> int:
    """Stop every emulator this process started and did not stop, the newest first (a test
    session's SIGTERM handler: what it started would outlive it, in process groups of their own).
    Returns how many were stopped."""
    stopped = 0
    while _STARTED:
        _STARTED[-1].stop()
        stopped += 1
    return stopped


def _stop_every_started_and_exit(signum: int, frame: FrameType | None) -> None:  # noqa: ARG001
    """SIGTERM in a command that started emulators (`python -m harness.soak`, run by a test that
    `timeout` stops): stop them, then exit as the signal would have, 128 + its number."""
    stop_every_started()
    raise SystemExit(128 + signum)


def _stop_started_on_sigterm() -> None:
    """From now on SIGTERM stops what this process started, unless it handles SIGTERM itself (a
    test session does: tests/conftest.py). Only the main thread can set a handler."""
    if (
        threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    ):
        signal.signal(signal.SIGTERM, _stop_every_started_and_exit)


class EmulatorProcess(Target):
    """One emulator process on 127.0.0.1:`port`, writing only under `state_dir`."""

    stop_discards_deployments = True
    #: How a person names it ("MiniStack").
    label: str

    def __init__(self, *, port: int | None = None, state_dir: Path) -> None:
        self.port = port if port is not None else free_port()
        self.state_dir = state_dir
        #: Told which port is used instead when `port` is taken at start; None: a taken port fails.
        self.port_taken: Callable[[str], object] | None = None
        self.pid: int | None = None
        self._process: subprocess.Popen[bytes] | None = None

    # --- what each emulator says ------------------------------------------------------------

    @abc.abstractmethod
    def command(self) -> list[str]:
        """The command that starts it; TargetError (saying what to install) when it can't."""

    @abc.abstractmethod
    def process_environment(self, inherited: dict[str, str]) -> dict[str, str]:
        """Its variables, from the caller's (without LEAKED_VARIABLES)."""

    @abc.abstractmethod
    def health(self) -> str:
        """ "healthy", or what its health endpoint said instead."""

    @abc.abstractmethod
    def connection(self) -> Connection:
        """How to reach it once it runs."""

    # --- the lifecycle ----------------------------------------------------------------------

    @property
    def log_path(self) -> Path:
        return self.state_dir / f"{self.name}.log"

    @property
    def pid_path(self) -> Path:
        return self.state_dir / f"{self.name}.pid"

    @property
    def description(self) -> str:
        return f"{self.label} on {self.endpoint_url}"

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Connection:
        if self.running():
            return self.connection()
        command = self.command()
        with claimed(self.port):
            return self._start_on_a_free_port(command)

    def _start_on_a_free_port(self, command: list[str]) -> Connection:
        if is_listening(self.port):
            if self.port_taken is None:
                raise TargetError(
                    f"Port {self.port} is already in use by {port_holder(self.port)}. "
                    "Stop that process, or choose another port."
                )
            taken, self.port = self.port, free_port()
            self.port_taken(
                f"- port {taken} is held by {port_holder(taken)}; using port {self.port}"
            )
        self.state_dir.mkdir(parents=True, exist_ok=True)
        inherited = {
            name: value for name, value in os.environ.items() if name not in LEAKED_VARIABLES
        }
        _stop_started_on_sigterm()
        with self.log_path.open("wb") as log:
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.process_environment(inherited),
                cwd=self.state_dir,
                start_new_session=True,  # its own process group, so stop() reaps its children too
            )
        self.pid, self._process = process.pid, process
        _STARTED.append(self)
        self.pid_path.write_text(f"{process.pid} {self.port}\n")
        self._wait_until_healthy(process)
        return self.connection()

    def _wait_until_healthy(self, process: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        last_seen = "no answer yet"
        while time.monotonic() < deadline:
            exit_code = process.poll()
            if exit_code is not None:
                self.pid, self._process = None, None
                _STARTED.remove(self)
                self.pid_path.unlink(missing_ok=True)
                raise TargetError(
                    f"{self.label} exited with code {exit_code} while starting.\n"
                    f"Last lines of its log ({self.log_path}):\n{self.log_tail()}"
                )
            last_seen = self.health()
            if last_seen == "healthy":
                return
            time.sleep(0.1)
        self.stop()
        raise TargetError(
            f"{self.label} did not become healthy on {self.endpoint_url} within "
            f"{START_TIMEOUT_SECONDS:.0f} s (last seen: {last_seen}).\n"
            f"Last lines of its log ({self.log_path}):\n{self.log_tail()}"
        )

    def is_healthy(self) -> bool:
        return self.health() == "healthy"

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError as error:
            return f"(no log: {error})"
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        pid, process = self.pid, self._process
        self.pid, self._process = None, None
        with contextlib.suppress(ValueError):
            _STARTED.remove(self)
        try:
            if pid is not None:
                _terminate_group(pid)
        finally:
            if process is not None:
                process.wait()  # reaped already by _terminate_group; this settles the Popen object
            self.pid_path.unlink(missing_ok=True)

    def running(self) -> bool:
        return self.pid is not None and alive(self.pid) and self.is_healthy()

    def attach(self) -> Connection:
        if not self.running():
            raise TargetError(
                f"No sandbox is running on {self.label}. Start one with "
                f"`make up TARGET={self.name}` (or `make demo TARGET={self.name}`); no live "
                f"{self.label} is recorded in {self.state_dir}."
            )
        return self.connection()

    @classmethod
    def recorded(cls, state_dir: Path) -> Self | None:
        """The emulator a previous run left in `state_dir`, if it is still alive and healthy."""
        try:
            pid_text, port_text = (state_dir / f"{cls.name}.pid").read_text().split()
        except (OSError, ValueError):
            return None
        emulator = cls(port=int(port_text), state_dir=state_dir)
        emulator.pid = int(pid_text)
        return emulator if emulator.running() else None

    @classmethod
    def for_sandbox(cls, state_dir: Path, say: Callable[[str], object]) -> Self:
        """The emulator recorded in `state_dir`, else a new one: on port 4566 when it is free,
        else on a free port (and `say` says which process holds 4566)."""
        recorded = cls.recorded(state_dir)
        if recorded is not None:
            return recorded
        emulator = cls(port=DEFAULT_PORT, state_dir=state_dir)
        emulator.port_taken = say
        return emulator


def alive(pid: int) -> bool:
    """Whether a process `pid` exists (a zombie too: it is gone once reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _terminate_group(pid: int) -> None:
    """SIGTERM the process group, then SIGKILL what is left after a grace period."""
    try:
        os.killpg(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        try:
            reaped, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            reaped = pid if not alive(pid) else 0  # not our child: started by an earlier run
        if reaped == pid:
            break
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)  # what it started, and itself if it ignored SIGTERM
    # What it started dies after its parent, and is reaped by init (the leader, and whatever else
    # of the group is this process's child, by this process): stopped is when none is left.
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    while group_alive(pid):
        with contextlib.suppress(ChildProcessError):
            os.waitpid(-pid, os.WNOHANG)
        if time.monotonic() > deadline:
            raise TargetError(
                f"Processes of the emulator's group {pid} were still there "
                f"{STOP_TIMEOUT_SECONDS:.0f} s after SIGKILL: {_group_members(pid)}"
            )
        time.sleep(0.05)


def group_alive(group: int) -> bool:
    """Whether any process of process group `group` exists (zombies too)."""
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def _group_members(group: int) -> list[str]:
    """The processes of `group` as `pid (state) command`, read from /proc."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # ended meanwhile
        command, fields = (
            text[text.index("(") + 1 : text.rindex(")")],
            text.rsplit(")", 1)[1].split(),
        )
        if int(fields[2]) == group:
            members.append(f"{stat.parent.name} ({fields[0]}) {command}")
    return members
