"""Why an input file was rejected, and the JSON report written for it.

The transform raises `InputRejected` for any file it will not sum; the handler turns it into a
report with `rejection_report`. The report format is documented in docs/input-contract.md.
"""

from __future__ import annotations

import datetime
import enum
import json
from typing import Any

__all__ = ["ErrorCode", "InputRejected", "rejection_report"]


class ErrorCode(enum.StrEnum):
    """The reasons a file is rejected, in the order the checks run (each value equals its name)."""

    EMPTY_FILE = "EMPTY_FILE"
    TOO_LARGE = "TOO_LARGE"
    NOT_UTF8 = "NOT_UTF8"
    INVALID_HEADER = "INVALID_HEADER"
    MISSING_DATA_ROW = "MISSING_DATA_ROW"
    INVALID_NUMBER = "INVALID_NUMBER"
    FIELD_COUNT_MISMATCH = "FIELD_COUNT_MISMATCH"


class InputRejected(Exception):
    """A file breaks the input contract: `code` says how, `message` explains it to a person.

    `line` and `field` are 1-based and None where they do not apply.
    """

    def __init__(
        self,
        code: ErrorCode,
        message: str,
        *,
        line: int | None = None,
        field: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.line = line
        self.field = field

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return (
            f"InputRejected(ErrorCode.{self.code.name}, {self.message!r}, "
            f"line={self.line!r}, field={self.field!r})"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        # Exception's default would call InputRejected(message) and fail: rebuild from all parts.
        return (type(self), (self.code, self.message), self.__dict__)


def rejection_report(
    rejected: InputRejected,
    *,
    source_bucket: str,
    source_key: str,
    source_version_id: str | None,
    source_etag: str | None,
    rejected_at: datetime.datetime,
) -> bytes:
    """Describe a rejected file as a UTF-8 JSON object ending in a newline.

    The same arguments always give the same bytes. `rejected_at` must be timezone-aware; it is
    written in UTC as YYYY-MM-DDTHH:MM:SS.ffffffZ.
    """
    report = {
        "source_bucket": source_bucket,
        "source_key": source_key,
        "source_version_id": source_version_id,
        "source_etag": source_etag,
        "error_code": rejected.code.value,
        "message": rejected.message,
        "line": rejected.line,
        "field": rejected.field,
        "rejected_at": _utc_timestamp(rejected_at),
    }
    text = json.dumps(report, indent=2, ensure_ascii=False) + "\n"
    # A lone surrogate (impossible in a real S3 key, but possible in a str) cannot be encoded as
    # UTF-8; "backslashreplace" writes it as \udXXX, which is the JSON escape for the same string.
    return text.encode("utf-8", errors="backslashreplace")


def _utc_timestamp(moment: datetime.datetime) -> str:
    """Write an aware datetime in UTC with microseconds and a 'Z': 2025-01-02T03:04:05.000000Z."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"rejected_at must be timezone-aware, got the naive datetime {moment!r}")
    utc = moment.astimezone(datetime.UTC).replace(tzinfo=None)
    return utc.isoformat(timespec="microseconds") + "Z"
