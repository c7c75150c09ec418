"""Use a deployed pipeline from outside: drop a file, wait for its outcome, explain its absence."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from botocore.exceptions import ClientError

from harness.stack import StackOutputs
from pipesum.storage import rejection_key
from providers.base import Connection

if TYPE_CHECKING:
    from mypy_boto3_logs import CloudWatchLogsClient
    from mypy_boto3_s3 import S3Client

POLL_SECONDS = 0.2


class OutcomeTimeout(TimeoutError):
    """No output or rejection report appeared in time; the message says how far the file got."""


@dataclass(frozen=True)
class Outcome:
    kind: Literal["output", "rejected"]
    key: str
    body: bytes

    def report(self) -> dict[str, object]:
        report: dict[str, object] = json.loads(self.body)
        return report


class Pipeline:
    def __init__(self, outputs: StackOutputs, connection: Connection) -> None:
        self.outputs = outputs
        session = connection.session()
        self.s3: S3Client = session.client("s3", endpoint_url=connection.endpoint_url)
        self.logs: CloudWatchLogsClient = session.client(
            "logs", endpoint_url=connection.endpoint_url
        )

    def forget(self, key: str) -> None:
        """Remove an earlier output and report of `key`, so the next outcome seen is a new one."""
        for stale in (key, rejection_key(key)):
            self.s3.delete_object(Bucket=self.outputs.destination_bucket, Key=stale)

    def remove(self, key: str) -> None:
        """Delete a dropped file and everything it produced."""
        self.s3.delete_object(Bucket=self.outputs.source_bucket, Key=key)
        self.forget(key)

    def drop(self, key: str, body: bytes) -> None:
        self.s3.put_object(Bucket=self.outputs.source_bucket, Key=key, Body=body)

    def outcome(self, key: str) -> Outcome | None:
        """The output or rejection report of `key` in the destination bucket, if there is one."""
        for kind, candidate in (("output", key), ("rejected", rejection_key(key))):
            try:
                response = self.s3.get_object(Bucket=self.outputs.destination_bucket, Key=candidate)
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") in {"NoSuchKey", "404"}:
                    continue
                raise
            return Outcome(kind, candidate, response["Body"].read())  # type: ignore[arg-type]
        return None

    def wait_for_outcome(
        self,
        key: str,
        *,
        timeout: float,
        since: float,
        on_progress: Callable[[float], None] | None = None,
    ) -> Outcome:
        """Poll until `key` has an output or a rejection report; OutcomeTimeout after `timeout` s.

        `since` is the time.time() of the drop; the function's log lines from then on explain
        a timeout.
        """
        started = time.monotonic()
        while True:
            found = self.outcome(key)
            if found is not None:
                return found
            elapsed = time.monotonic() - started
            if elapsed >= timeout:
                raise OutcomeTimeout(
                    f"no output and no rejection report for {key!r} after {timeout:.0f} s; "
                    + self.diagnose(key, since)
                )
            if on_progress is not None:
                on_progress(elapsed)
            time.sleep(POLL_SECONDS)

    def diagnose(self, key: str, since: float) -> str:
        """How far the file got: uploaded, function invoked, function failed (with its error)."""
        try:
            self.s3.head_object(Bucket=self.outputs.source_bucket, Key=key)
        except ClientError as error:
            return explain_missing_outcome(key, upload_error=str(error), log_lines=[])
        return explain_missing_outcome(
            key, upload_error=None, log_lines=self.function_log_lines(since)
        )

    def function_log_lines(self, since: float) -> list[str]:
        """The function's log lines from `since` (time.time()) on, oldest first."""
        lines: list[str] = []
        try:
            paginator = self.logs.get_paginator("filter_log_events")
            pages = paginator.paginate(
                logGroupName=self.outputs.log_group, startTime=max(0, int(since * 1000) - 1000)
            )
            for page in pages:
                lines.extend(event["message"].rstrip("\n") for event in page.get("events", []))
        except ClientError as error:
            return [f"(could not read the function's logs: {error})"]
        return lines


def explain_missing_outcome(key: str, *, upload_error: str | None, log_lines: list[str]) -> str:
    """The last step a dropped file is known to have passed, from the S3 head and the logs."""
    if upload_error is not None:
        return f"the upload itself is not in the source bucket ({upload_error})."
    encoded_key = json.dumps(key)[1:-1]  # as the function's JSON log lines quote it
    mentions = [line for line in log_lines if key in line or encoded_key in line]
    errors = [line for line in log_lines if any(mark in line for mark in _ERROR_MARKS)]
    if errors:
        return "last step that succeeded: function invoked; it failed with:\n" + "\n".join(
            errors[-10:]
        )
    if mentions:
        return "last step that succeeded: function invoked for this key; it wrote nothing."
    if log_lines:
        return (
            "last step that succeeded: object uploaded; the function ran since, but not for "
            "this key (does the rule's pattern match it?)."
        )
    return (
        "last step that succeeded: object uploaded; the function has not run since "
        "(is the rule matching the bucket, and does the target point at the function?)."
    )


_ERROR_MARKS = ("Traceback", "ERROR", "errorMessage", "Task timed out")
