"""Validate a file against the input contract and compute the row appended to it.

Pure code only: no AWS, no I/O. The contract is in docs/input-contract.md; in short, line 1 is a
'|'-separated header, line 2 holds one decimal number per header field, and the output is the
original bytes followed by a row with the exact sum. Anything else raises InputRejected.

`SumParser` is the core. It is fed the file's bytes in chunks of any size, from the first byte
on, and checks lines 1 and 2 as they stream past. It keeps a bounded state whatever the lengths
of the lines: a few hundred bytes to quote in a message, running totals, and the digits of the
one number being read (a number's digits are part of its sum, so a single huge number is the
one thing that costs memory in proportion to its length). It asks for no more bytes once line 2
has ended, so lines 3 and later are never read. `append_sum` is the same core fed a whole file.

Lines 1 and 2 are scanned as bytes: every character the contract gives a meaning to ('|', space,
tab, digits, '+', '-', '.', CR, LF) is ASCII, and an ASCII byte is never part of a multi-byte
UTF-8 character. Whether each line is UTF-8 is checked alongside, and since NOT_UTF8 is reported
before every other finding on the lines, the byte scan's findings only count for lines that are.
"""

from __future__ import annotations

import codecs
import decimal
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from pipesum.rejection import ErrorCode, InputRejected

__all__ = ["SumParser", "SumRow", "append_sum", "check_size", "format_sum"]

_BOM = b"\xef\xbb\xbf"
_LF = b"\n"
_CR = b"\r"
_CRLF = b"\r\n"
_SEPARATOR = b"|"
_PADDING = b" \t"
_QUOTE_LIMIT = 40
# A message quotes at most 40 characters and says whether there were more, so 41 characters are
# kept; a UTF-8 character is at most 4 bytes.
_QUOTE_BYTES = _QUOTE_LIMIT + 1
_QUOTE_TEXT_BYTES = 4 * _QUOTE_BYTES
# Chunks are scanned a slice at a time, so that the fields of one slice (as Python objects) stay
# a bounded number however large the chunks a caller passes.
_SLICE_BYTES = 1 << 20
# int() refuses strings of more than 4300 digits (CPython's int/str conversion limit); longer
# numbers are summed as Decimal, which has no such limit.
_INT_DIGITS = 4000

# Additions are exact: the largest precision there is, and a trap on any rounding.
_EXACT = decimal.Context(
    prec=decimal.MAX_PREC,
    Emax=decimal.MAX_EMAX,
    Emin=decimal.MIN_EMIN,
    traps=[decimal.InvalidOperation, decimal.Inexact, decimal.Rounded, decimal.Overflow],
)

# One data field: ASCII digits only ([0-9], never \d), optional sign and fraction, padded with
# spaces or tabs. Possessive quantifiers (Python 3.11+) keep matching linear with no backtracking;
# the parts match disjoint characters, so possessive matching accepts exactly what a
# backtracking match of the same pattern would.
_NUMBER = rb"[ \t]*+[+-]?+[0-9]++(?:\.[0-9]++)?+[ \t]*+"
# The longest run of valid fields each followed by '|': it ends just after a '|' (or at 0).
_VALID_FIELDS_PREFIX_RE = re.compile(rb"(?:" + _NUMBER + rb"\|)*+")
# An empty header field between two separators; group 1 is its padding.
_EMPTY_MIDDLE_FIELD_RE = re.compile(rb"\|([ \t]*+)(?=\|)")
_NOT_PADDING_RE = re.compile(rb"[^ \t]")

# A field that arrives in pieces is followed through the states of a small automaton. Each state
# has a shortest text that reaches it; that text followed by the new piece is matched against
# the prefixes of a number to find the next state.
_LEADING, _SIGN, _INTEGER, _POINT, _FRACTION, _TRAILING, _DEAD = range(7)
_ACCEPTING = frozenset({_INTEGER, _FRACTION, _TRAILING})
_REACHED_BY = {
    _LEADING: b"",
    _SIGN: b"+",
    _INTEGER: b"0",
    _POINT: b"0.",
    _FRACTION: b"0.0",
    _TRAILING: b"0 ",
}
_NUMBER_RE = re.compile(_NUMBER)
_PREFIX_STATES = (
    (re.compile(rb"[ \t]*+"), _LEADING),
    (re.compile(rb"[ \t]*+[+-]"), _SIGN),
    (re.compile(rb"[ \t]*+[+-]?+[0-9]++\."), _POINT),
)

_DIGITS = b"0123456789"
_DIGITS_AND_SEPARATOR = _DIGITS + _SEPARATOR
_DIGITS_POINT_AND_SEPARATOR = _DIGITS_AND_SEPARATOR + b"."
_DIGITS_TO_NINES = bytes.maketrans(_DIGITS, b"9" * len(_DIGITS))
_NONZERO_DIGITS = tuple((value, _DIGITS[value : value + 1]) for value in range(1, 10))
# Fixed-width fields are summed column by column up to this many digits; wider ones by int().
_COLUMNS_MAX = 40


def check_size(size: int, *, max_bytes: int) -> None:
    """Reject a file of `size` bytes that is empty or larger than `max_bytes`.

    A BOM-only file is also empty, but only `SumParser` can tell, as it needs the bytes.
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


def append_sum(original: bytes, *, max_bytes: int) -> bytes:
    """Return `original` followed by a row with the exact sum of its second row.

    Raises InputRejected, with the first failed check in contract order, for any file that
    breaks the input contract; no other exception escapes for any bytes.
    """
    parser = SumParser(size=len(original), max_bytes=max_bytes)
    parser.feed(original)
    return original + parser.result().appended(ends_with_line_feed=original.endswith(_LF))


def format_sum(total: Decimal) -> str:
    """Write a sum in plain notation, keeping its fraction digits; zero never gets a '-' sign.

    Decimal('3.75') -> '3.75', Decimal('2.50') -> '2.50', Decimal('-0.00') -> '0.00'.
    Raises ValueError for NaN and infinities.
    """
    if not total.is_finite():
        raise ValueError(f"cannot format the non-finite sum {total}")
    if total.is_zero():
        total = total.copy_abs()
    return format(total, "f")


@dataclass(frozen=True, slots=True)
class SumRow:
    """The sum of a valid file's line 2, and the line ending of its line 1."""

    total: Decimal
    line_ending: bytes  # b"\r\n" or b"\n"

    def appended(self, *, ends_with_line_feed: bool) -> bytes:
        """The bytes that follow the original: a line ending if it has none, the sum, an ending."""
        separator = b"" if ends_with_line_feed else self.line_ending
        return separator + format_sum(self.total).encode("ascii") + self.line_ending


class SumParser:
    """Check a file against the contract and sum its line 2, from its bytes fed in chunks.

    `size` is the file's whole size, known before its bytes (from S3's HeadObject): the size
    checks come first in the contract and need no bytes. Feed the chunks in order, from the
    first byte; `feed` returns False once no more bytes are needed (line 2 has ended, or the
    file has), then `result` gives the sum row. A file the contract refuses raises
    InputRejected from the constructor or from `feed`, as early as the first failed check is
    certain, with exactly the code, message, line and field `append_sum` gives.
    """

    def __init__(self, *, size: int, max_bytes: int) -> None:
        if size < 0:
            raise ValueError(f"size must not be negative, got {size}")
        self._size = size
        self._max_bytes = max_bytes
        self._position = 0  # bytes fed so far
        self._last_byte: int | None = None
        self._start = b""  # the first bytes, held until the BOM question is settled
        self._started = False
        self._line = 1  # the line being read: 1 or 2
        self._line_2_seen = False
        self._held_cr = False  # a CR at the end of a chunk: text, or the start of CRLF
        self._utf8 = _Utf8Check()
        self._header = _HeaderScan()
        self._row = _RowScan()
        self._header_offset = 0
        self._line_ending = _LF
        self._result: SumRow | None = None
        self._rejected: InputRejected | None = None
        if size != len(_BOM):
            # A 3-byte file may be a lone BOM, which is EMPTY_FILE before any size limit.
            check_size(size, max_bytes=max_bytes)
        if size < len(_BOM):
            self._started = True

    @property
    def wants_more(self) -> bool:
        """Whether lines 1 and 2 have not been read to their end yet."""
        return self._result is None and self._rejected is None

    @property
    def ends_with_line_feed(self) -> bool | None:
        """Whether the file's last byte is LF, once it has been fed; None before."""
        if self._position < self._size or self._last_byte is None:
            return None
        return self._last_byte == _LF[0]

    def feed(self, chunk: bytes) -> bool:
        """Take the next bytes of the file; return whether more are wanted.

        Raises InputRejected as soon as the file is known to break the contract, and ValueError
        when more bytes are fed than `size` said.
        """
        if self._rejected is not None:
            raise self._rejected
        if self._position + len(chunk) > self._size:
            raise ValueError(
                f"fed {self._position + len(chunk)} bytes of a file said to be {self._size}"
            )
        if not chunk:
            return self.wants_more
        self._position += len(chunk)
        self._last_byte = chunk[-1]
        if self._result is not None:
            return False
        try:
            self._scan(chunk)
        except InputRejected as rejected:
            self._rejected = rejected
            raise
        return self.wants_more

    def result(self) -> SumRow:
        """The sum row; raises ValueError if the bytes fed so far do not reach it."""
        if self._rejected is not None:
            raise self._rejected
        if self._result is None:
            raise ValueError(
                f"lines 1 and 2 are not complete after {self._position} of {self._size} bytes"
            )
        return self._result

    # --- bytes to lines ------------------------------------------------------------------------

    def _scan(self, chunk: bytes) -> None:
        if not self._started:
            chunk = self._take_start(chunk)
        for offset in range(0, len(chunk), _SLICE_BYTES):
            if self._result is not None:
                return
            self._split_lines(chunk[offset : offset + _SLICE_BYTES])
        if self._result is None and self._started and self._position == self._size:
            self._end_of_file()

    def _take_start(self, chunk: bytes) -> bytes:
        """Hold the first 3 bytes until they say whether the file starts with a BOM."""
        needed = len(_BOM) - len(self._start)
        self._start += chunk[:needed]
        if len(self._start) < len(_BOM):
            return b""
        self._started = True
        rest = chunk[needed:]
        if self._start == _BOM:
            if self._size == len(_BOM):
                raise InputRejected(
                    ErrorCode.EMPTY_FILE,
                    "The file is empty: it holds only a UTF-8 byte order mark.",
                )
            self._header_offset = len(_BOM)
            return rest
        if self._size == len(_BOM):
            check_size(self._size, max_bytes=self._max_bytes)
        return self._start + rest

    def _split_lines(self, data: bytes) -> None:
        while data and self._result is None:
            if self._line == 2:
                self._line_2_seen = True
            newline = data.find(_LF)
            if newline == -1:
                self._line_text(data)
                return
            self._line_text(data[:newline])
            self._end_line(found_line_feed=True)
            data = data[newline + 1 :]

    def _line_text(self, text: bytes) -> None:
        """Pass on text of the current line, holding back a final CR until the next byte."""
        if self._held_cr:
            text = _CR + text
            self._held_cr = False
        if text.endswith(_CR):
            self._held_cr = True
            text = text[:-1]
        if text:
            self._text(text)

    def _text(self, text: bytes) -> None:
        if self._utf8.check(text):
            if self._line == 1:
                self._header.feed(text)
            else:
                self._row.feed(text)
        self._reject_bad_utf8(line_ended=False)

    def _end_line(self, *, found_line_feed: bool) -> None:
        if self._held_cr:
            self._held_cr = False
            if found_line_feed:
                ending = _CRLF
            else:
                ending = b""
                self._text(_CR)  # a CR at the end of the file is text: it ends no line
        else:
            ending = _LF if found_line_feed else b""
        self._utf8.end_line()
        self._reject_bad_utf8(line_ended=True)
        if self._line == 1:
            self._header.finish()
            self._line_ending = ending or _LF
            self._line = 2
            self._utf8 = _Utf8Check()
        else:
            self._row.finish()
            self._conclude(has_line_2=True)

    def _end_of_file(self) -> None:
        if self._line == 1:
            self._end_line(found_line_feed=False)
        if self._result is None:
            if self._line_2_seen:
                self._end_line(found_line_feed=False)
            else:
                self._conclude(has_line_2=False)

    def _reject_bad_utf8(self, *, line_ended: bool) -> None:
        bad = self._utf8.bad
        if bad is None or (len(bad.quoted) < _QUOTE_BYTES and not line_ended):
            return  # no error, or the bytes to quote are still coming
        offset = self._header_offset if self._line == 1 else 0
        raise InputRejected(
            ErrorCode.NOT_UTF8,
            f"Line {self._line} is not valid UTF-8 from byte {offset + bad.position + 1} of the "
            f"line ({bad.reason}); the bytes from there are "
            f"{_quote(bytes(bad.quoted[:_QUOTE_BYTES]))}.",
            line=self._line,
        )

    # --- the checks after UTF-8, in contract order ---------------------------------------------

    def _conclude(self, *, has_line_2: bool) -> None:
        header = self._header
        if header.blank is not None:
            raise InputRejected(
                ErrorCode.INVALID_HEADER,
                f"Line 1, the header, is blank: it must name at least one column; "
                f"found {_quote(header.blank.decode('ascii'))}.",
                line=1,
            )
        if header.empty is not None:
            field, padding = header.empty
            raise InputRejected(
                ErrorCode.INVALID_HEADER,
                f"Field {field} of the header on line 1 is empty: every column needs a name; "
                f"found {_quote(padding.decode('ascii'))}.",
                line=1,
                field=field,
            )
        if not has_line_2:
            raise InputRejected(
                ErrorCode.MISSING_DATA_ROW,
                "The file has no line 2: the second line must hold the numbers to sum.",
                line=2,
            )
        row = self._row
        if row.blank is not None:
            raise InputRejected(
                ErrorCode.MISSING_DATA_ROW,
                f"Line 2 is blank: it must hold the numbers to sum; "
                f"found {_quote(row.blank.decode('ascii'))}.",
                line=2,
            )
        if row.invalid is not None:
            field, text = row.invalid
            raise InputRejected(
                ErrorCode.INVALID_NUMBER,
                f"Field {field} on line 2 is not a number, which is ASCII digits with an optional "
                f"leading + or - and an optional fraction, such as 42, -7 or 3.50; "
                f"found {_quote(_decode_prefix(text))}.",
                line=2,
                field=field,
            )
        if row.fields != header.fields:
            raise InputRejected(
                ErrorCode.FIELD_COUNT_MISMATCH,
                f"Line 2 has {_count(row.fields, 'field')} but the header on line 1 has "
                f"{_count(header.fields, 'field')}: each column needs exactly one number.",
                line=2,
            )
        self._result = SumRow(row.total(), self._line_ending)


@dataclass
class _BadBytes:
    position: int  # 0-based, in the line's text (after the BOM on line 1)
    reason: str
    quoted: bytearray  # the line's bytes from `position` on, up to 41 of them


class _Utf8Check:
    """Strict UTF-8 decoding of one line's text, fed in pieces; remembers the first error."""

    def __init__(self) -> None:
        self._pending = b""  # the start of a character cut by the end of the last piece
        self._decoded = 0  # bytes of the line before `_pending`
        self.bad: _BadBytes | None = None

    def check(self, text: bytes) -> bool:
        """Decode the next text of the line; True while the line is UTF-8 so far."""
        if self.bad is not None:
            self.bad.quoted += text[: _QUOTE_BYTES - len(self.bad.quoted)]
            return False
        if not self._pending and text.isascii():
            self._decoded += len(text)
            return True
        data = self._pending + text
        try:
            _, consumed = codecs.utf_8_decode(data, "strict", False)
        except UnicodeDecodeError as error:
            self._fail(data, error)
            return False
        self._decoded += consumed
        self._pending = data[consumed:]
        return True

    def end_line(self) -> None:
        """The line has ended: a character still incomplete is an error."""
        if self.bad is None and self._pending:
            try:
                codecs.utf_8_decode(self._pending, "strict", True)
            except UnicodeDecodeError as error:
                self._fail(self._pending, error)

    def _fail(self, data: bytes, error: UnicodeDecodeError) -> None:
        self.bad = _BadBytes(
            position=self._decoded + error.start,
            reason=error.reason,
            quoted=bytearray(data[error.start : error.start + _QUOTE_BYTES]),
        )


class _HeaderScan:
    """Line 1, fed in pieces: how many fields, and the first that is empty (only padding)."""

    def __init__(self) -> None:
        self.fields = 1  # the number of the field being read, and at the end the field count
        self._open_is_padding = True  # the field being read holds only spaces and tabs so far
        self._open_head = bytearray()  # its first bytes, kept while it is only padding
        self.empty: tuple[int, bytes] | None = None  # the first empty field and its padding
        self.blank: bytes | None = None  # the header's padding, when the whole line is blank

    def feed(self, text: bytes) -> None:
        first = text.find(_SEPARATOR)
        if first == -1:
            self._extend(text)
            return
        last = text.rfind(_SEPARATOR)
        self._extend(text[:first])
        self._close()
        if self.empty is None and last > first and _may_hold_an_empty_field(text, first, last):
            empty = _EMPTY_MIDDLE_FIELD_RE.search(text, first, last + 1)
            if empty is not None:
                field = self.fields + text.count(_SEPARATOR, first + 1, empty.start() + 1)
                self.empty = (field, empty.group(1)[:_QUOTE_BYTES])
        self.fields += text.count(_SEPARATOR, first + 1, last + 1)
        self._extend(text[last + 1 :])

    def finish(self) -> None:
        if self.fields == 1 and self._open_is_padding:
            self.blank = bytes(self._open_head)
        elif self._open_is_padding and self.empty is None:
            self.empty = (self.fields, bytes(self._open_head))

    def _extend(self, text: bytes) -> None:
        if not self._open_is_padding or not text:
            return
        if _NOT_PADDING_RE.search(text) is not None:
            self._open_is_padding = False
            self._open_head.clear()
        elif len(self._open_head) < _QUOTE_BYTES:
            self._open_head += text[: _QUOTE_BYTES - len(self._open_head)]

    def _close(self) -> None:
        if self._open_is_padding and self.empty is None:
            self.empty = (self.fields, bytes(self._open_head))
        self.fields += 1
        self._open_is_padding = True
        self._open_head.clear()


class _RowScan:
    """Line 2, fed in pieces: each field checked and added as soon as it is complete.

    The fields between the first and the last separator of a piece are handled in bulk; the
    field cut by the end of a piece is followed through the number automaton, keeping only its
    sign, digits and point (padding is dropped), and only while it can still be a number.
    """

    def __init__(self) -> None:
        self.fields = 1  # the number of the field being read, and at the end the field count
        self._state = _LEADING
        self._number = bytearray()  # the open field without its padding, while it may be valid
        self._head = bytearray()  # the open field's first bytes, to quote if it is not a number
        self._integers = 0
        self._decimals = Decimal(0)
        self.invalid: tuple[int, bytes] | None = None  # the first field that is not a number
        self.blank: bytes | None = None  # the row's padding, when the whole line is blank

    def feed(self, text: bytes) -> None:
        if self.invalid is not None:
            return  # nothing but UTF-8 matters on this line any more
        first = text.find(_SEPARATOR)
        if first == -1:
            self._extend(text)
            return
        last = text.rfind(_SEPARATOR)
        self._extend(text[:first])
        self._close()
        if self.invalid is None and last > first:
            self._bulk(text, first + 1, last)
        if self.invalid is None:
            self._extend(text[last + 1 :])

    def finish(self) -> None:
        if self.invalid is not None:
            return
        if self.fields == 1 and self._state == _LEADING:
            self.blank = bytes(self._head)
            return
        self._close()
        self.fields -= 1  # _close moved on to a field that does not exist

    def total(self) -> Decimal:
        return _EXACT.add(Decimal(self._integers), self._decimals)

    def _extend(self, text: bytes) -> None:
        if not text:
            return
        if len(self._head) < _QUOTE_TEXT_BYTES:
            self._head += text[: _QUOTE_TEXT_BYTES - len(self._head)]
        if self._state == _DEAD:
            return
        state = _next_state(self._state, text)
        if state == _DEAD:
            self._number.clear()
        else:
            if self._state == _LEADING:
                text = text.lstrip(_PADDING)
            if state == _TRAILING:
                text = text.rstrip(_PADDING)
            self._number += text
        self._state = state

    def _close(self) -> None:
        if self._state in _ACCEPTING:
            number = bytes(self._number)
            if b"." in number or len(number) > _INT_DIGITS:
                self._add(Decimal(number.decode("ascii")))
            else:
                self._add(int(number))
        else:
            self.invalid = (self.fields, bytes(self._head))
        self.fields += 1
        self._state = _LEADING
        self._number.clear()
        self._head.clear()

    def _bulk(self, text: bytes, start: int, end: int) -> None:
        """Check and add the complete fields text[start:end]; text[end] is a separator."""
        fields = text[start:end]
        count = fields.count(_SEPARATOR) + 1
        value = _fast_sum(fields, count)
        if value is None:
            valid = _VALID_FIELDS_PREFIX_RE.match(text, start, end + 1)
            stop = start if valid is None else valid.end()  # a '*' pattern always matches
            if stop <= end:
                field_end = min(text.index(_SEPARATOR, stop), stop + _QUOTE_TEXT_BYTES)
                field = self.fields + text.count(_SEPARATOR, start, stop)
                self.invalid = (field, text[stop:field_end])
                return
            value = _sum_numbers(fields)
        self._add(value)
        self.fields += count

    def _add(self, value: int | Decimal) -> None:
        if isinstance(value, int):
            self._integers += value
        else:
            self._decimals = _EXACT.add(self._decimals, value)


def _next_state(state: int, text: bytes) -> int:
    """The automaton's state after `text` (no separator in it) is read in `state`."""
    seen = _REACHED_BY[state] + text
    if _NUMBER_RE.fullmatch(seen) is not None:
        if seen.endswith((b" ", b"\t")):
            return _TRAILING
        return _FRACTION if b"." in seen else _INTEGER
    for pattern, reached in _PREFIX_STATES:
        if pattern.fullmatch(seen) is not None:
            return reached
    return _DEAD


def _may_hold_an_empty_field(text: bytes, first: int, last: int) -> bool:
    """Whether text[first:last+1] may hold '|', padding, '|': it has '||', a space or a tab."""
    return (
        text.find(b"||", first, last + 1) != -1
        or text.find(b" ", first, last) != -1
        or text.find(b"\t", first, last) != -1
    )


def _fast_sum(fields: bytes, count: int) -> int | Decimal | None:
    """The sum of `count` '|'-separated fields in a common shape, or None to take the long way.

    Shapes, each checked with whole-bytes operations (translate, count, extended slices): fields
    of one width with the point (if any) at one place, summed column by column without a Python
    object per field; only digits (integers); only digits and one point per field with the same
    number of fraction digits everywhere (amounts). The last two are summed with int(). None
    means another shape, a field that may not be a number, or a number too long for int().
    """
    columns = _fixed_width_sum(fields, count)
    if columns is not None:
        return columns
    stray = fields.translate(None, _DIGITS_AND_SEPARATOR)
    if not stray:
        return _digits_sum(fields)
    if stray.count(b".") == len(stray) == count:
        return _same_scale_sum(fields, count)
    return None


def _digits_sum(fields: bytes) -> int | None:
    """The sum of fields of digits only, or None if one is empty (not a number) or too long."""
    if not fields or fields.startswith(_SEPARATOR) or fields.endswith(_SEPARATOR):
        return None
    if b"||" in fields:
        return None
    return _int_sum(fields.split(_SEPARATOR))


def _same_scale_sum(fields: bytes, count: int) -> Decimal | None:
    """The sum of fields of digits with one point each and the same number of fraction digits.

    With digits written as 9s, every field is then 9s, a point, and `scale` 9s before its
    separator: `count` occurrences of that, no field starting with the point.
    """
    shape = fields.translate(_DIGITS_TO_NINES)
    point = shape.find(b".")
    field_end = shape.find(_SEPARATOR, point)
    scale = (len(shape) if field_end == -1 else field_end) - point - 1
    if (
        scale < 1
        or shape.startswith(b".")
        or b"|." in shape
        or (shape + _SEPARATOR).count(b"." + b"9" * scale + _SEPARATOR) != count
    ):
        return None
    integers = _int_sum(fields.replace(b".", b"").split(_SEPARATOR))
    return None if integers is None else _EXACT.scaleb(Decimal(integers), -scale)


def _fixed_width_sum(fields: bytes, count: int) -> int | Decimal | None:
    """The sum of fields that all have the same width and digits, or a point at the same place.

    Every separator is then at a known offset, and so is every digit of a given weight: the
    digits of one weight are an extended slice, added by counting each digit value in it.
    """
    width, rest = divmod(len(fields) + 1, count)
    width -= 1  # each field is followed by one separator, except the last
    if rest or width < 1 or width > _COLUMNS_MAX:
        return None
    if fields[width :: width + 1].count(_SEPARATOR) != count - 1:
        return None  # a separator elsewhere: fields of different widths
    point = fields.find(b".", 0, width)
    if point == -1:
        if fields.translate(None, _DIGITS_AND_SEPARATOR):
            return None
        digits, columns, scale = fields.translate(None, _SEPARATOR), width, 0
    else:
        if point in (0, width - 1) or fields.translate(None, _DIGITS_POINT_AND_SEPARATOR):
            return None
        if fields.count(b".") != count or fields[point :: width + 1].count(b".") != count:
            return None
        digits, columns, scale = fields.translate(None, b"|."), width - 1, width - point - 1
    total = 0
    for column in range(columns):
        weight = digits[column::columns]
        total = total * 10 + sum(value * weight.count(digit) for value, digit in _NONZERO_DIGITS)
    return total if scale == 0 else _EXACT.scaleb(Decimal(total), -scale)


def _sum_numbers(fields: bytes) -> int | Decimal:
    """The exact sum of '|'-separated fields already checked to be numbers."""
    if b"." not in fields:
        integers = _int_sum(fields.split(_SEPARATOR))
        if integers is not None:
            return integers
    with decimal.localcontext(_EXACT):
        # Decimal() trims the spaces and tabs the field pattern allows around a number.
        return sum(map(Decimal, fields.decode("ascii").split("|")), Decimal(0))


def _int_sum(fields: Sequence[bytes]) -> int | None:
    """The sum of integer fields (int() trims spaces and tabs); None if one is too long."""
    try:
        return sum(map(int, fields))
    except ValueError:
        return None


def _decode_prefix(text: bytes) -> str:
    """The whole characters at the start of UTF-8 bytes that may end inside a character."""
    return codecs.utf_8_decode(text, "strict", False)[0]


def _quote(text: str | bytes) -> str:
    """Show text for a message: repr-escaped, cut to 40 characters with '…' after the quote."""
    if len(text) <= _QUOTE_LIMIT:
        return repr(text)
    return f"{text[:_QUOTE_LIMIT]!r}…"


def _count(number: int, noun: str) -> str:
    """'1 field', '2 fields'."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
