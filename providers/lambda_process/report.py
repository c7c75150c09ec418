"""What the Lambda service writes around an invocation and answers for one that failed, as AWS does.

Log lines: https://docs.aws.amazon.com/lambda/latest/dg/python-logging.html (START, END, REPORT);
a timeout is answered `Sandbox.Timedout` and a runtime that exits `Runtime.ExitError`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class Usage:
    """What an invocation took: its REPORT line's figures."""

    duration_ms: float
    memory_size_mb: int
    #: Peak resident memory of the runtime process so far; None where it could not be read.
    max_memory_used_mb: int | None
    #: The init phase's duration, on the invocation that started the environment.
    init_duration_ms: float | None = None
    #: "timeout" or "error" where the invocation did not end with the runtime's answer.
    status: str = ""


def start_line(request_id: str, version: str) -> str:
    return f"START RequestId: {request_id} Version: {version}\n"


def end_line(request_id: str) -> str:
    return f"END RequestId: {request_id}\n"


def report_line(request_id: str, usage: Usage) -> str:
    fields = [
        f"REPORT RequestId: {request_id}",
        f"Duration: {usage.duration_ms:.2f} ms",
        f"Billed Duration: {math.ceil(usage.duration_ms)} ms",
        f"Memory Size: {usage.memory_size_mb} MB",
        "Max Memory Used: "
        + (f"{usage.max_memory_used_mb} MB" if usage.max_memory_used_mb is not None else "n/a"),
    ]
    if usage.init_duration_ms is not None:
        fields.append(f"Init Duration: {usage.init_duration_ms:.2f} ms")
    if usage.status:
        fields.append(f"Status: {usage.status}")
    return "\t".join(fields) + "\t\n"


def timeout_line(request_id: str, timeout_seconds: int, now: datetime | None = None) -> str:
    stamp = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    return f"{stamp} {request_id} Task timed out after {timeout_seconds:.2f} seconds\n"


def timeout_error(request_id: str, timeout_seconds: int) -> bytes:
    return _error(
        "Sandbox.Timedout",
        f"RequestId: {request_id} Error: Task timed out after {timeout_seconds:.2f} seconds",
    )


def exit_description(exit_code: int) -> str:
    """As Lambda words a runtime's end: "exit status 1", or "signal: killed" for SIGKILL."""
    if exit_code >= 0:
        return f"exit status {exit_code}"
    signals = {6: "aborted", 9: "killed", 11: "segmentation fault", 15: "terminated"}
    return f"signal: {signals.get(-exit_code, str(-exit_code))}"


def exit_lines(request_id: str, exit_code: int) -> str:
    return (
        f"RequestId: {request_id} Error: Runtime exited with error: "
        f"{exit_description(exit_code)}\nRuntime.ExitError\n"
    )


def exit_error(request_id: str | None, exit_code: int) -> bytes:
    """A runtime's end, as Lambda answers it; during init there is no request to name."""
    prefix = f"RequestId: {request_id} " if request_id is not None else ""
    return _error(
        "Runtime.ExitError",
        f"{prefix}Error: Runtime exited with error: {exit_description(exit_code)}",
    )


def _error(error_type: str, message: str) -> bytes:
    return json.dumps({"errorType": error_type, "errorMessage": message}).encode()


def max_rss_mb(pid: int) -> int | None:
    """The peak resident memory of process `pid` (VmHWM), in MB as Lambda reports it (MiB,
    rounded up); None where /proc does not tell (not Linux, or the process is gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:  # noqa: PTH123  (hot path)
            for line in status:
                if line.startswith("VmHWM:"):
                    return math.ceil(int(line.split()[1]) / 1024)
    except (OSError, ValueError):
        return None
    return None
