"""A fault hook for the reliability tests: kill, hang or delay the function at a named point.

Off unless the environment variable PIPESUM_FAULT is set, which only tests do (through the Lambda
API, on an emulator); the Terraform function module refuses to deploy it. When it is set, the
handler's cold start builds a FaultyStorage in place of Storage; otherwise nothing of this module
runs. Its value is `ACTION@POINT` or `ACTION@POINT#ETAG`, the latter firing only for the source
object with that ETag. Actions: `kill` (SIGKILL, as when the runtime is torn down), `hang` (until
the runtime's timeout stops the function), `delay:SECONDS`, `hold` (until the file named by
PIPESUM_FAULT_RELEASE exists: the test says when, or the runtime's timeout stops the function).
Points are where the function is about to change the destination: `read` (the source is read,
nothing asked of the destination yet), `part-copied` (a multipart upload has its first part), `put`
(just before a single PutObject of the output). When the fault fires, the file named by
PIPESUM_FAULT_ANNOUNCE (if set) is created, so that a test on the same machine as the emulator's
Lambda workers knows the function is being held (their logs arrive only at the end of an
invocation).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import signal
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipesum.storage import DestinationObject, SourceObject, Storage

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import CopySourceTypeDef

    from pipesum.tuning import Tuning

FAULT_VARIABLE = "PIPESUM_FAULT"
ANNOUNCE_VARIABLE = "PIPESUM_FAULT_ANNOUNCE"
RELEASE_VARIABLE = "PIPESUM_FAULT_RELEASE"
RELEASE_POLL_SECONDS = 0.05
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
    #: A file to create when the fault fires.
    announce: str | None = None
    #: For `hold`: the file whose existence lets the function go on.
    release: str | None = None

    @classmethod
    def parse(cls, spec: str) -> Fault:
        action, at, rest = spec.partition("@")
        point, _, etag = rest.partition("#")
        name, _, seconds = action.partition(":")
        if not at or point not in POINTS or name not in {"kill", "hang", "delay", "hold"}:
            raise FaultSpecError(
                f"{FAULT_VARIABLE}={spec!r}: expected kill|hang|hold|delay:SECONDS @ "
                f"{'|'.join(sorted(POINTS))} [#ETAG]"
            )
        if (name == "delay") != bool(seconds):
            raise FaultSpecError(f"{FAULT_VARIABLE}={spec!r}: only delay takes SECONDS")
        try:
            delay = float(seconds) if seconds else 0.0
        except ValueError as error:
            raise FaultSpecError(f"{FAULT_VARIABLE}={spec!r}: {error}") from error
        return cls(name, point, delay, etag or None)

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> Fault | None:
        """The fault PIPESUM_FAULT names (FaultSpecError if it names none), or None if unset."""
        spec = environ.get(FAULT_VARIABLE)
        if not spec:
            return None
        fault = dataclasses.replace(
            cls.parse(spec),
            announce=environ.get(ANNOUNCE_VARIABLE) or None,
            release=environ.get(RELEASE_VARIABLE) or None,
        )
        if fault.action == "hold" and fault.release is None:
            raise FaultSpecError(f"{FAULT_VARIABLE}={spec!r}: hold needs {RELEASE_VARIABLE}")
        return fault

    def fire(self, point: str, *, etag: str | None) -> None:
        """Apply the fault if it is for `point` (and this ETag); otherwise do nothing."""
        if self.point != point or (self.etag is not None and self.etag != etag):
            return
        logger.warning(
            "fault_injected", extra={"fault": self.action, "point": point, "source_etag": etag}
        )
        for handler in [*logger.handlers, *logging.getLogger().handlers]:
            handler.flush()
        if self.announce:
            Path(self.announce).write_text(f"{self.action}@{point}\n")
        if self.action == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        if self.action == "hold" and self.release is not None:
            # The function's own deadline ends a hold that is never released.
            while not Path(self.release).exists():
                threading.Event().wait(RELEASE_POLL_SECONDS)
            return
        # The function's own deadline is what ends a hang: wait on an event nobody sets.
        threading.Event().wait(None if self.action == "hang" else self.seconds)


class FaultyStorage(Storage):
    """Storage that fires `fault` at its point: the same requests, in the same order.

    `read` fires once per source located, before the first request to the destination after
    it; `put` before the PutObject of an output; `part-copied` after a copy's first part.
    """

    def __init__(
        self, s3: S3Client, *, destination_bucket: str, tuning: Tuning, fault: Fault
    ) -> None:
        super().__init__(s3, destination_bucket=destination_bucket, tuning=tuning)
        self.fault = fault
        self._source_etag: str | None = None
        self._read_pending = False

    def locate_source(self, bucket: str, key: str, version_id: str | None) -> SourceObject | None:
        return self._located(super().locate_source(bucket, key, version_id))

    def fetch_source(
        self, bucket: str, key: str, version_id: str | None, *, read_below: int
    ) -> tuple[SourceObject, bytes | None] | None:
        fetched = super().fetch_source(bucket, key, version_id, read_below=read_below)
        self._located(None if fetched is None else fetched[0])
        return fetched

    def _located(self, source: SourceObject | None) -> SourceObject | None:
        self._source_etag = None if source is None else source.etag
        self._read_pending = source is not None
        return source

    def _before_destination(self) -> None:
        if self._read_pending:
            self._read_pending = False
            self.fault.fire("read", etag=self._source_etag)

    def _head_destination(self, key: str) -> DestinationObject | None:
        self._before_destination()
        return super()._head_destination(key)

    def write_output(
        self,
        key: str,
        body: bytes,
        *,
        metadata: dict[str, str],
        expected: DestinationObject | None,
    ) -> DestinationObject:
        self._before_destination()
        self.fault.fire("put", etag=self._source_etag)
        return super().write_output(key, body, metadata=metadata, expected=expected)

    def mark_output(self, key: str, output: DestinationObject) -> DestinationObject:
        self._before_destination()
        return super().mark_output(key, output)

    def write_output_by_copy(
        self,
        key: str,
        *,
        source_bucket: str,
        source: SourceObject,
        appended: bytes,
        metadata: dict[str, str],
        expected: DestinationObject | None,
    ) -> DestinationObject:
        self._before_destination()
        return super().write_output_by_copy(
            key,
            source_bucket=source_bucket,
            source=source,
            appended=appended,
            metadata=metadata,
            expected=expected,
        )

    def _copy_part(
        self,
        key: str,
        upload_id: str,
        number: int,
        *,
        copy_source: CopySourceTypeDef,
        byte_range: str,
        if_match: dict[str, Any],
    ) -> str:
        etag = super()._copy_part(
            key,
            upload_id,
            number,
            copy_source=copy_source,
            byte_range=byte_range,
            if_match=if_match,
        )
        if number == 1:
            self.fault.fire("part-copied", etag=self._source_etag)
        return etag

    def write_rejection(
        self,
        key: str,
        report: bytes,
        *,
        metadata: dict[str, str],
        expected: DestinationObject | None,
    ) -> DestinationObject:
        self._before_destination()
        return super().write_rejection(key, report, metadata=metadata, expected=expected)

    def remove_rejection(self, key: str, *, expected: DestinationObject) -> None:
        self._before_destination()
        super().remove_rejection(key, expected=expected)
