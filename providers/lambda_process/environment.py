"""One execution environment: the function's runtime as a local process, and the service around it.

The process is `python -m awslambdaric <handler>` in the unzipped code, its output appended to a
file of the environment's own. An invocation is handed to the runtime through the Runtime API and
waited for until the function's timeout: a timeout kills the process (`Sandbox.Timedout`), a
process that ends first is `Runtime.ExitError`; either way the next invocation starts a new one,
as Lambda resets an environment after such a failure. Each invocation's log is the output the
runtime wrote meanwhile, between START and END, then REPORT with the process's peak memory.
"""

from __future__ import annotations

import dataclasses
import math
import os
import queue
import subprocess
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from . import report
from .runtime_api import Invocation, RuntimeApi, RuntimeSignal

_STOP_GRACE_SECONDS = 2.0


@dataclass(frozen=True)
class FunctionSpec:
    """The deployed configuration an environment runs."""

    handler: str
    code_dir: Path
    #: The interpreter of the function's runtime (python3.13), with awslambdaric installed.
    python: Path
    timeout_seconds: int
    memory_size_mb: int
    #: The runtime's name, as AWS_EXECUTION_ENV names it ("python3.13").
    runtime: str
    version: str = "$LATEST"


@dataclass(frozen=True)
class Outcome:
    """An invocation's answer (the runtime's, or the service's for a failure) and its log."""

    payload: bytes
    is_error: bool
    logs: str


class InitFailed(RuntimeError):
    """The runtime did not get ready: `payload` is the error Lambda answers the invocation with."""

    def __init__(self, message: str, payload: bytes, logs: str) -> None:
        super().__init__(message)
        self.payload = payload
        self.logs = logs


class ProcessEnvironment:
    """Runs `spec` with `environment` (the variables Lambda sets, and the function's own)."""

    def __init__(self, spec: FunctionSpec, environment: Mapping[str, str], work_dir: Path) -> None:
        self.spec = spec
        self.work_dir = work_dir
        self.log_path = work_dir / "runtime.log"
        self.tmp_dir = work_dir / "tmp"
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        self.log_path.touch()
        self._environment = dict(environment)
        self._api = RuntimeApi()
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        #: The init phase's duration and output, reported with the invocation that follows it.
        self._init: tuple[float, int] | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def start(self, startup_timeout_seconds: float) -> None:
        """Start the runtime and wait until it asks for an invocation; InitFailed if it fails."""
        with self._lock:
            self._start(startup_timeout_seconds)

    def invoke(self, invocation: Invocation) -> Outcome:
        """Run one invocation to its end, restarting the runtime first where the last one ended
        it; the function's timeout counts from the hand-over."""
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                self._start(float(self.spec.timeout_seconds) + 10.0)
            return self._invoke(invocation)

    def stop(self) -> None:
        """End the runtime at once: an invocation in flight ends as a crash, not at its timeout."""
        process = self._process
        if process is not None and process.poll() is None:
            process.kill()  # before the lock, which an invocation in flight holds
        with self._lock:
            self._kill()
            self._api.close()

    def logs(self) -> str:
        """Everything the runtime processes of this environment wrote."""
        return self.log_path.read_text(errors="replace")

    # --- the runtime process ------------------------------------------------------------------

    def _start(self, startup_timeout_seconds: float) -> None:
        offset = self._log_size()
        started = time.monotonic()
        self._spawn()
        signal = self._await(started + startup_timeout_seconds, "")
        if signal is not None and signal.kind == "next":
            self._init = ((time.monotonic() - started) * 1000, offset)
            return
        if signal is not None and signal.kind == "init_error":
            self._wait_for_exit()
            payload, why = signal.body, "the runtime failed to initialise"
        elif signal is not None:
            payload = report.exit_error(None, signal.exit_code or 0)
            why = f"the runtime exited ({report.exit_description(signal.exit_code or 0)})"
        else:
            payload = b'{"errorType": "Runtime.Unknown", "errorMessage": "init timed out"}'
            why = f"the runtime did not get ready within {startup_timeout_seconds:.0f} s"
        self._kill()
        raise InitFailed(why, payload, self._log_since(offset))

    def _spawn(self) -> None:
        self._api.generation += 1
        self._api.discard_pending()
        env = self._environment | {
            "AWS_LAMBDA_RUNTIME_API": self._api.address,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{self.spec.runtime}",
            "LAMBDA_TASK_ROOT": str(self.spec.code_dir),
            "_HANDLER": self.spec.handler,
            "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "HOME": str(self.tmp_dir),
            "TMPDIR": str(self.tmp_dir),
        }
        with self.log_path.open("ab") as log:
            process = subprocess.Popen(
                [str(self.spec.python), "-m", "awslambdaric", self.spec.handler],
                cwd=self.spec.code_dir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self._process = process
        generation = self._api.generation
        threading.Thread(
            target=self._watch, args=(process, generation), name="lambda-runtime-exit", daemon=True
        ).start()

    def _watch(self, process: subprocess.Popen[bytes], generation: int) -> None:
        """Reap the runtime when it ends, with its peak memory (gone from /proc by then)."""
        try:
            _, status, usage = os.wait4(process.pid, 0)
        except ChildProcessError:
            return  # reaped by _kill: the environment ended it and expects no signal
        process.returncode = os.waitstatus_to_exitcode(status)
        self._api.signals.put(
            RuntimeSignal(
                "exit",
                exit_code=process.returncode,
                max_memory_used_mb=math.ceil(usage.ru_maxrss / 1024),
                generation=generation,
            )
        )

    def _kill(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()

    def _wait_for_exit(self) -> None:
        if self._process is not None:
            try:
                self._process.wait(timeout=_STOP_GRACE_SECONDS)
            except subprocess.TimeoutExpired:
                self._kill()

    # --- one invocation -----------------------------------------------------------------------

    def _invoke(self, invocation: Invocation) -> Outcome:
        process = self._process
        assert process is not None  # noqa: S101  (_start set it or raised)
        init, self._init = self._init, None
        offset = self._log_size()
        started = time.monotonic()
        deadline = started + self.spec.timeout_seconds
        self._api.hand_over(
            dataclasses.replace(
                invocation, deadline_ms=int(time.time() * 1000) + self.spec.timeout_seconds * 1000
            )
        )
        signal = self._await(deadline, invocation.request_id)
        duration_ms = (time.monotonic() - started) * 1000
        memory = report.max_rss_mb(process.pid)
        request_id = invocation.request_id
        if signal is None:
            self._kill()
            payload, is_error, status = (
                report.timeout_error(request_id, self.spec.timeout_seconds),
                True,
                "timeout",
            )
            trailer = report.timeout_line(request_id, self.spec.timeout_seconds)
        elif signal.kind == "exit":
            self._process = None
            memory = signal.max_memory_used_mb
            exit_code = signal.exit_code or 0
            payload, is_error, status = report.exit_error(request_id, exit_code), True, "error"
            trailer = report.exit_lines(request_id, exit_code)
        else:
            payload, is_error, status = signal.body, signal.kind == "error", ""
            trailer = ""
        usage = report.Usage(
            duration_ms=duration_ms,
            memory_size_mb=self.spec.memory_size_mb,
            max_memory_used_mb=memory,
            init_duration_ms=init[0] if init is not None else None,
            status=status,
        )
        logs = (
            (self._log_between(init[1], offset) if init is not None else "")
            + report.start_line(request_id, self.spec.version)
            + self._log_since(offset)
            + trailer
            + report.end_line(request_id)
            + report.report_line(request_id, usage)
        )
        return Outcome(payload, is_error, logs)

    def _await(self, deadline: float, request_id: str) -> RuntimeSignal | None:
        """The next signal of the current process that concerns `request_id` (or the runtime's
        readiness, when empty), or None at `deadline`."""
        while (left := deadline - time.monotonic()) > 0:
            try:
                signal = self._api.signals.get(timeout=left)
            except queue.Empty:
                return None
            if signal.generation != self._api.generation:
                continue  # from a process already replaced
            if signal.kind in {"response", "error"} and signal.request_id != request_id:
                continue
            if signal.kind == "next" and request_id:
                continue  # the runtime asking for the invocation just handed over
            return signal
        return None

    # --- the output file ----------------------------------------------------------------------

    def _log_size(self) -> int:
        return self.log_path.stat().st_size

    def _log_since(self, offset: int) -> str:
        return self._log_between(offset, self._log_size())

    def _log_between(self, start: int, end: int) -> str:
        with self.log_path.open("rb") as log:
            log.seek(start)
            return log.read(max(0, end - start)).decode(errors="replace")
