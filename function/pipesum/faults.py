"""A fault hook for the reliability tests: kill, hang or delay the function at a named point.

Off unless the environment variable PIPESUM_FAULT is set, which only tests do (through the
Lambda API, on an emulator); the Terraform function module refuses to deploy it. Its value is
`ACTION@POINT` or `ACTION@POINT#ETAG`, the latter firing only for the source object with that
ETag. Actions: `kill` (SIGKILL, as when the runtime is torn down), `hang` (until the runtime's
timeout stops the function), `delay:SECONDS`. Points are where the function is about to change
the destination: `read` (the source is read, nothing written yet), `part-copied` (a multipart
upload has its first part), `put` (just before a single PutObject). When the fault fires, the
file named by PIPESUM_FAULT_ANNOUNCE (if set) is created, so that a test on the same machine as
the emulator's Lambda workers knows the function is being held (their logs arrive only at the
end of an invocation).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

FAULT_VARIABLE = "PIPESUM_FAULT"
ANNOUNCE_VARIABLE = "PIPESUM_FAULT_ANNOUNCE"
POINTS = frozenset({"read", "part-copied", "put"})

logger = logging.getLogger("pipesum")


class FaultSpecError(ValueError):
    """PIPESUM_FAULT does not name a known action and point."""


@dataclass(frozen=True)
class Fault:
    action: str
    point: str
    seconds: float = 0.0
    etag: str | None = None

    @classmethod
    def parse(cls, spec: str) -> Fault:
        action, at, rest = spec.partition("@")
        point, _, etag = rest.partition("#")
        name, _, seconds = action.partition(":")
        if not at or point not in POINTS or name not in {"kill", "hang", "delay"}:
            raise FaultSpecError(
                f"{FAULT_VARIABLE}={spec!r}: expected kill|hang|delay:SECONDS @ "
                f"{'|'.join(sorted(POINTS))} [#ETAG]"
            )
        if (name == "delay") != bool(seconds):
            raise FaultSpecError(f"{FAULT_VARIABLE}={spec!r}: only delay takes SECONDS")
        try:
            delay = float(seconds) if seconds else 0.0
        except ValueError as error:
            raise FaultSpecError(f"{FAULT_VARIABLE}={spec!r}: {error}") from error
        return cls(name, point, delay, etag or None)


def inject(point: str, *, etag: str | None, environ: Mapping[str, str] = os.environ) -> None:
    """Apply the configured fault if it is for `point` (and this ETag); otherwise do nothing."""
    spec = environ.get(FAULT_VARIABLE)
    if not spec:
        return
    fault = Fault.parse(spec)
    if fault.point != point or (fault.etag is not None and fault.etag != etag):
        return
    logger.warning(
        "fault_injected", extra={"fault": fault.action, "point": point, "source_etag": etag}
    )
    for handler in [*logger.handlers, *logging.getLogger().handlers]:
        handler.flush()
    if announce := environ.get(ANNOUNCE_VARIABLE):
        Path(announce).write_text(f"{fault.action}@{point}\n")
    if fault.action == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    # The function's own deadline is what ends a hang: wait on an event nobody sets.
    threading.Event().wait(None if fault.action == "hang" else fault.seconds)
