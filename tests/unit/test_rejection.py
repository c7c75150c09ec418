"""The rejection exception and the JSON report written for a rejected file."""

from __future__ import annotations

import ast
import copy
import datetime
import json
import pickle
import re
from pathlib import Path

import pytest

from pipesum.rejection import ErrorCode, InputRejected, rejection_report
from pipesum.transform import append_sum

UTC = datetime.UTC
WHEN = datetime.datetime(2025, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)
REPORT_KEYS = [
    "source_bucket",
    "source_key",
    "source_version_id",
    "source_etag",
    "error_code",
    "message",
    "line",
    "field",
    "rejected_at",
]


def _report(
    rejected: InputRejected | None = None,
    *,
    key: str = "in/data.txt",
    version_id: str | None = "v1",
    etag: str | None = '"abc"',
    when: datetime.datetime = WHEN,
) -> bytes:
    return rejection_report(
        rejected or InputRejected(ErrorCode.INVALID_NUMBER, "Field 2 is bad.", line=2, field=2),
        source_bucket="incoming",
        source_key=key,
        source_version_id=version_id,
        source_etag=etag,
        rejected_at=when,
    )


def test_error_code_values_equal_names() -> None:
    """Every ErrorCode's value is its name, and they are the seven codes in check order."""
    assert [code.value for code in ErrorCode] == [code.name for code in ErrorCode]
    assert list(ErrorCode) == [
        "EMPTY_FILE",
        "TOO_LARGE",
        "NOT_UTF8",
        "INVALID_HEADER",
        "MISSING_DATA_ROW",
        "INVALID_NUMBER",
        "FIELD_COUNT_MISMATCH",
    ]


def test_input_rejected_keeps_its_parts() -> None:
    """InputRejected exposes code, message, line and field; str() is the message."""
    rejected = InputRejected(ErrorCode.NOT_UTF8, "Line 2 is not UTF-8.", line=2)
    assert (rejected.code, rejected.message, rejected.line, rejected.field) == (
        ErrorCode.NOT_UTF8,
        "Line 2 is not UTF-8.",
        2,
        None,
    )
    assert str(rejected) == "Line 2 is not UTF-8."
    assert isinstance(rejected, Exception)


def test_input_rejected_defaults_line_and_field_to_none() -> None:
    """line and field are None unless given."""
    rejected = InputRejected(ErrorCode.EMPTY_FILE, "Empty.")
    assert (rejected.line, rejected.field) == (None, None)


def test_input_rejected_repr_shows_code_and_position() -> None:
    """repr() names the code, message, line and field, for readable test failures and logs."""
    rejected = InputRejected(ErrorCode.INVALID_HEADER, "Bad.", line=1, field=3)
    assert repr(rejected) == "InputRejected(ErrorCode.INVALID_HEADER, 'Bad.', line=1, field=3)"


def _assert_same_rejection(again: InputRejected, rejected: InputRejected) -> None:
    assert (again.code, again.message, again.line, again.field, str(again)) == (
        rejected.code,
        rejected.message,
        rejected.line,
        rejected.field,
        str(rejected),
    )


def test_input_rejected_survives_copy() -> None:
    """copy.copy of an InputRejected keeps every attribute."""
    rejected = InputRejected(ErrorCode.INVALID_NUMBER, "Bad.", line=2, field=4)
    _assert_same_rejection(copy.copy(rejected), rejected)


def test_input_rejected_survives_pickle() -> None:
    """An InputRejected pickles and unpickles with every attribute (keyword-only ones too)."""
    rejected = InputRejected(ErrorCode.INVALID_NUMBER, "Bad.", line=2, field=4)
    _assert_same_rejection(pickle.loads(pickle.dumps(rejected)), rejected)  # noqa: S301


def test_report_has_exactly_the_documented_keys_in_order() -> None:
    """The report is a JSON object with exactly the nine documented keys, in that order."""
    assert list(json.loads(_report())) == REPORT_KEYS


def test_report_values_and_types() -> None:
    """Each key holds the source's details and the rejection's code, message, line and field."""
    assert json.loads(_report()) == {
        "source_bucket": "incoming",
        "source_key": "in/data.txt",
        "source_version_id": "v1",
        "source_etag": '"abc"',
        "error_code": "INVALID_NUMBER",
        "message": "Field 2 is bad.",
        "line": 2,
        "field": 2,
        "rejected_at": "2025-01-02T03:04:05.678901Z",
    }


def test_report_writes_missing_values_as_null() -> None:
    """A missing version id, ETag, line or field is JSON null."""
    report = json.loads(
        _report(InputRejected(ErrorCode.EMPTY_FILE, "Empty."), version_id=None, etag=None)
    )
    assert [report[key] for key in ("source_version_id", "source_etag", "line", "field")] == [
        None
    ] * 4


def test_report_is_indented_utf8_ending_in_newline() -> None:
    """The report is indent=2 JSON text in UTF-8 ending with exactly one newline."""
    raw = _report()
    text = raw.decode("utf-8")
    assert text.startswith('{\n  "source_bucket": "incoming",\n')
    assert text.endswith("\n}\n")
    assert not text.endswith("\n\n")


def test_report_is_deterministic() -> None:
    """The same arguments give the same bytes."""
    assert _report() == _report()


def test_report_keeps_unicode_key_unescaped() -> None:
    """Non-ASCII text (a key, a quoted character in the message) is written as UTF-8, not \\u."""
    rejected = InputRejected(ErrorCode.INVALID_NUMBER, "found '٣'.", line=2, field=1)
    raw = _report(rejected, key="données/été 数据.txt")
    assert "données/été 数据.txt".encode() in raw
    assert "found '٣'.".encode() in raw
    assert b"\\u" not in raw
    assert json.loads(raw)["source_key"] == "données/été 数据.txt"


def test_report_escapes_control_characters_in_json() -> None:
    """Control characters in the message stay valid JSON (escaped), and round-trip."""
    rejected = InputRejected(ErrorCode.INVALID_NUMBER, "tab\there\x00", line=2, field=1)
    raw = _report(rejected)
    assert b"\x00" not in raw
    assert json.loads(raw)["message"] == "tab\there\x00"


def test_report_survives_lone_surrogate_in_key() -> None:
    """A str with a lone surrogate still gives valid UTF-8 JSON that decodes to the same str."""
    raw = _report(key="bad\udcffkey")
    assert json.loads(raw.decode("utf-8"))["source_key"] == "bad\udcffkey"


def test_report_converts_aware_time_to_utc_with_z() -> None:
    """rejected_at in another zone is written in UTC with a 'Z' suffix and microseconds."""
    plus_two = datetime.timezone(datetime.timedelta(hours=2))
    when = datetime.datetime(2025, 1, 2, 5, 4, 5, tzinfo=plus_two)
    assert json.loads(_report(when=when))["rejected_at"] == "2025-01-02T03:04:05.000000Z"


def test_report_pads_early_years() -> None:
    """The timestamp is fixed-width ISO 8601 even for years below 1000."""
    when = datetime.datetime(999, 1, 1, tzinfo=UTC)
    assert json.loads(_report(when=when))["rejected_at"] == "0999-01-01T00:00:00.000000Z"


def test_report_refuses_naive_datetime() -> None:
    """A naive rejected_at is a ValueError: its time zone would be a guess."""
    with pytest.raises(ValueError, match="timezone-aware"):
        _report(when=datetime.datetime(2025, 1, 2, 3, 4, 5))  # noqa: DTZ001


def test_report_refuses_tzinfo_without_offset() -> None:
    """A tzinfo whose utcoffset() is None counts as naive and is refused."""

    class NoOffset(datetime.tzinfo):
        def utcoffset(self, dt: datetime.datetime | None) -> datetime.timedelta | None:  # noqa: ARG002
            return None

        def tzname(self, dt: datetime.datetime | None) -> str | None:  # noqa: ARG002
            return None

        def dst(self, dt: datetime.datetime | None) -> datetime.timedelta | None:  # noqa: ARG002
            return None

    with pytest.raises(ValueError, match="timezone-aware"):
        _report(when=datetime.datetime(2025, 1, 2, tzinfo=NoOffset()))


CONTRACT = Path(__file__).resolve().parents[2] / "docs" / "input-contract.md"
DOC_EXAMPLE = re.compile(
    r"```python\n(?P<input>.+?)\n```\s+Report:\s+```json\n(?P<report>.+?\n)```", re.S
)
DOC_REPEAT = re.compile(r'(?P<literal>b"[^"]*") \* (?P<count>[0-9]+)')
DOC_MAX_BYTES = 1048576


def _documented_examples() -> list[tuple[bytes, str]]:
    examples = []
    for match in DOC_EXAMPLE.finditer(CONTRACT.read_text(encoding="utf-8")):
        repeat = DOC_REPEAT.fullmatch(match["input"])
        if repeat is None:
            original = ast.literal_eval(match["input"])
        else:
            original = ast.literal_eval(repeat["literal"]) * int(repeat["count"])
        examples.append((original, match["report"]))
    return examples


def test_documented_examples_cover_every_error_code() -> None:
    """docs/input-contract.md shows one example report per error code, in check order."""
    codes = [json.loads(report)["error_code"] for _, report in _documented_examples()]
    assert codes == list(ErrorCode)


@pytest.mark.parametrize(
    ("original", "report"),
    _documented_examples(),
    ids=lambda value: json.loads(value)["error_code"] if isinstance(value, str) else "input",
)
def test_documented_example_matches_the_code(original: bytes, report: str) -> None:
    """Each example report in docs/input-contract.md is exactly what the code writes."""
    shown = json.loads(report)
    with pytest.raises(InputRejected) as caught:
        append_sum(original, max_bytes=DOC_MAX_BYTES)
    written = rejection_report(
        caught.value,
        source_bucket=shown["source_bucket"],
        source_key=shown["source_key"],
        source_version_id=shown["source_version_id"],
        source_etag=shown["source_etag"],
        rejected_at=datetime.datetime.fromisoformat(shown["rejected_at"]),
    )
    assert written.decode("utf-8") == report
