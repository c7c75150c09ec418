"""The whole-bytes implementation of the input contract, kept as the oracle for the streaming core.

This is pipesum/transform.py as it was before the core became streaming (commit 1553a9b): it
parses and sums on its own, and writes the sum as the contract says (kit/written_sum.py, which
shares no code with the function's). The differential tests feed the same bytes to both and require
identical output bytes or identical rejections (code, message, line, field). It is not shipped:
the function package holds only the streaming core.
"""

from __future__ import annotations

import dataclasses
import decimal
import re
from collections.abc import Iterator
from decimal import Decimal

from kit.written_sum import written_sum
from pipesum.rejection import ErrorCode, InputRejected

__all__ = ["reference_append_sum"]

_BOM = b"\xef\xbb\xbf"
_LF = b"\n"
_CRLF = b"\r\n"
_SEPARATOR = "|"
_PADDING = " \t"
_QUOTE_LIMIT = 40
_SUM_SLICE_CHARS = 1 << 20

# One data field: ASCII digits only ([0-9], never \d), optional sign and fraction, padded with
# spaces or tabs. Possessive quantifiers (Python 3.11+) keep matching linear with no backtracking.
_NUMBER_FIELD = r"[ \t]*+[+-]?+[0-9]++(?:\.[0-9]++)?+[ \t]*+"
_NUMBER_FIELD_RE = re.compile(_NUMBER_FIELD)
# The longest run of valid fields each followed by '|': it ends just after a '|' (or at 0).
_VALID_FIELDS_PREFIX_RE = re.compile(rf"(?:{_NUMBER_FIELD}\|)*+")
# An empty header field: at the start or after a '|', only padding up to the next '|' or the end.
_EMPTY_HEADER_FIELD_RE = re.compile(r"(?:\A|\|)[ \t]*+(?=\||\Z)")


@dataclasses.dataclass(frozen=True, slots=True)
class _FirstRows:
    """Lines 1 and 2 of a file, as raw bytes without their line endings."""

    header: bytes  # line 1, without a leading BOM
    header_offset: int  # where line 1's text starts in the file (3 after a BOM, else 0)
    data: bytes | None  # line 2; None when the file has no line 2
    line_ending: bytes  # line 1's ending, b"\r\n" or b"\n" (b"\n" when line 1 has none)


def check_size(size: int, *, max_bytes: int) -> None:
    """Reject a file of `size` bytes that is empty or larger than `max_bytes`.

    A BOM-only file is also empty, but only `append_sum` can tell, as it needs the bytes.
    Raises ValueError when `max_bytes` is below 1: that is a configuration error, not bad input.
    """
    if max_bytes < 1:
        raise ValueError(f"max_bytes must be at least 1, got {max_bytes}")
    if size == 0:
        raise InputRejected(ErrorCode.EMPTY_FILE, "The file is empty: it has no bytes.")
    if size > max_bytes:
        raise InputRejected(
            ErrorCode.TOO_LARGE,
            f"The file is {_count(size, 'byte')}, more than the limit of "
            f"{_count(max_bytes, 'byte')}.",
        )


def reference_append_sum(original: bytes, *, max_bytes: int) -> bytes:
    """Return `original` followed by a row with the exact sum of its second row.

    Raises InputRejected, with the first failed check in contract order, for any file that
    breaks the input contract; no other exception escapes for any bytes.
    """
    if original == _BOM:
        raise InputRejected(
            ErrorCode.EMPTY_FILE, "The file is empty: it holds only a UTF-8 byte order mark."
        )
    check_size(len(original), max_bytes=max_bytes)

    rows = _find_first_rows(original)
    header = _decode_line(rows.header, line=1, offset=rows.header_offset)
    data = None if rows.data is None else _decode_line(rows.data, line=2, offset=0)
    header_fields = _count_header_fields(header)
    if data is None:
        raise InputRejected(
            ErrorCode.MISSING_DATA_ROW,
            "The file has no line 2: the second line must hold the numbers to sum.",
            line=2,
        )
    total = _sum_data_row(data, expected_fields=header_fields)

    ending = rows.line_ending
    separator = b"" if original.endswith(_LF) else ending
    return b"".join((original, separator, written_sum(total).encode("ascii"), ending))


def _find_first_rows(body: bytes) -> _FirstRows:
    """Locate lines 1 and 2: lines end with LF or CRLF, a lone CR is ordinary text."""
    start = len(_BOM) if body.startswith(_BOM) else 0
    end_1 = body.find(_LF, start)
    if end_1 == -1:
        return _FirstRows(header=body[start:], header_offset=start, data=None, line_ending=_LF)
    header, header_ending = _split_line_ending(body[start : end_1 + 1])
    start_2 = end_1 + 1
    if start_2 == len(body):
        data = None
    else:
        end_2 = body.find(_LF, start_2)
        data = _split_line_ending(body[start_2 : len(body) if end_2 == -1 else end_2 + 1])[0]
    return _FirstRows(header=header, header_offset=start, data=data, line_ending=header_ending)


def _split_line_ending(line: bytes) -> tuple[bytes, bytes]:
    """Split a line into its text and its ending (CRLF, LF, or b"" at the end of the file)."""
    for ending in (_CRLF, _LF):
        if line.endswith(ending):
            return line[: -len(ending)], ending
    return line, b""


def _decode_line(raw: bytes, *, line: int, offset: int) -> str:
    """Decode one line as strict UTF-8; `offset` counts the bytes before `raw` on its line."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputRejected(
            ErrorCode.NOT_UTF8,
            f"Line {line} is not valid UTF-8 from byte {offset + error.start + 1} of the line "
            f"({error.reason}); the bytes from there are "
            f"{_quote(raw[error.start : error.start + _QUOTE_LIMIT + 1])}.",
            line=line,
        ) from None


def _count_header_fields(header: str) -> int:
    """Check the header (line 1) names every column, and return how many columns it has."""
    if not header.strip(_PADDING):
        raise InputRejected(
            ErrorCode.INVALID_HEADER,
            f"Line 1, the header, is blank: it must name at least one column; "
            f"found {_quote(header)}.",
            line=1,
        )
    empty = _EMPTY_HEADER_FIELD_RE.search(header)
    if empty is not None:
        field = header.count(_SEPARATOR, 0, empty.end()) + 1
        raise InputRejected(
            ErrorCode.INVALID_HEADER,
            f"Field {field} of the header on line 1 is empty: every column needs a name; "
            f"found {_quote(_field_at(header, empty.end()))}.",
            line=1,
            field=field,
        )
    return header.count(_SEPARATOR) + 1


def _sum_data_row(row: str, *, expected_fields: int) -> Decimal:
    """Validate the data row (line 2) and return the exact sum of its fields."""
    if not row.strip(_PADDING):
        raise InputRejected(
            ErrorCode.MISSING_DATA_ROW,
            f"Line 2 is blank: it must hold the numbers to sum; found {_quote(row)}.",
            line=2,
        )
    _check_numbers(row)
    fields = row.count(_SEPARATOR) + 1
    if fields != expected_fields:
        raise InputRejected(
            ErrorCode.FIELD_COUNT_MISMATCH,
            f"Line 2 has {_count(fields, 'field')} but the header on line 1 has "
            f"{_count(expected_fields, 'field')}: each column needs exactly one number.",
            line=2,
        )
    return _exact_sum(row)


def _check_numbers(row: str) -> None:
    """Reject the first field of the row, left to right, that is not a number."""
    valid_prefix = _VALID_FIELDS_PREFIX_RE.match(row)
    start = 0 if valid_prefix is None else valid_prefix.end()  # a '*' pattern always matches
    end = row.find(_SEPARATOR, start)
    if end == -1 and _NUMBER_FIELD_RE.fullmatch(row, start) is not None:
        return
    field = row.count(_SEPARATOR, 0, start) + 1
    raise InputRejected(
        ErrorCode.INVALID_NUMBER,
        f"Field {field} on line 2 is not a number, which is ASCII digits with an optional "
        f"leading + or - and an optional fraction, such as 42, -7 or 3.50; "
        f"found {_quote(_field_at(row, start))}.",
        line=2,
        field=field,
    )


def _exact_sum(row: str, *, slice_chars: int = _SUM_SLICE_CHARS) -> Decimal:
    """Add the already-validated numbers of a data row with no rounding, whatever their size.

    The row is split a slice of about `slice_chars` characters at a time, so that millions of
    fields never exist as strings all at once.
    """
    total = Decimal(0)
    with decimal.localcontext(
        prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN
    ) as context:
        # Inputs are far shorter than MAX_PREC digits, so nothing rounds; trap to be sure.
        context.traps[decimal.Inexact] = True
        context.traps[decimal.Rounded] = True
        for piece in _slices_between_fields(row, slice_chars):
            # Decimal() trims the spaces and tabs the field pattern allows around a number.
            total += sum(map(Decimal, piece.split(_SEPARATOR)), Decimal(0))
    return total


def _slices_between_fields(text: str, size: int) -> Iterator[str]:
    """Cut `text` at the first '|' after every `size` characters, dropping the '|' cut at."""
    start = 0
    while (end := text.find(_SEPARATOR, start + size)) != -1:
        yield text[start:end]
        start = end + 1
    yield text[start:]


def _field_at(text: str, position: int) -> str:
    """Return the whole '|'-separated field of `text` in which `position` lies."""
    first = text.rfind(_SEPARATOR, 0, position) + 1
    last = text.find(_SEPARATOR, position)
    return text[first : len(text) if last == -1 else last]


def _quote(text: str | bytes) -> str:
    """Show text for a message: repr-escaped, cut to 40 characters with '…' after the quote."""
    if len(text) <= _QUOTE_LIMIT:
        return repr(text)
    return f"{text[:_QUOTE_LIMIT]!r}…"


def _count(number: int, noun: str) -> str:
    """'1 field', '2 fields'."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
