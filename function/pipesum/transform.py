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

This module turns bytes into lines and reports the first failed check in contract order. What
each line holds is found by the scans in line_scans.py; the fields of line 2 are numbers and
summed as number_fields.py says (the general path), and fast_sum.py only sums common shapes of
line 2 faster, to the same result.

Lines 1 and 2 are scanned as bytes: every character the contract gives a meaning to ('|', space,
tab, digits, '+', '-', '.', CR, LF) is ASCII, and an ASCII byte is never part of a multi-byte
UTF-8 character. Whether each line is UTF-8 is checked alongside, and since NOT_UTF8 is reported
before every other finding on the lines, the byte scan's findings only count for lines that are.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from decimal import Decimal

from pipesum.line_scans import QUOTE_BYTES, QUOTE_LIMIT, HeaderScan, RowScan, Utf8Check
from pipesum.rejection import ErrorCode, InputRejected

__all__ = ["SumParser", "SumRow", "append_sum", "check_size", "format_sum"]

_BOM = b"\xef\xbb\xbf"
_LF = b"\n"
_CR = b"\r"
_CRLF = b"\r\n"
# Chunks are scanned a slice at a time, so that the fields of one slice (as Python objects) stay
# a bounded number however large the chunks a caller passes.
_SLICE_BYTES = 1 << 20


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
        self._utf8 = Utf8Check()
        self._header = HeaderScan()
        self._row = RowScan()
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
            self._utf8 = Utf8Check()
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
        if bad is None or (len(bad.quoted) < QUOTE_BYTES and not line_ended):
            return  # no error, or the bytes to quote are still coming
        offset = self._header_offset if self._line == 1 else 0
        raise InputRejected(
            ErrorCode.NOT_UTF8,
            f"Line {self._line} is not valid UTF-8 from byte {offset + bad.position + 1} of the "
            f"line ({bad.reason}); the bytes from there are "
            f"{_quote(bytes(bad.quoted[:QUOTE_BYTES]))}.",
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


def _decode_prefix(text: bytes) -> str:
    """The whole characters at the start of UTF-8 bytes that may end inside a character."""
    return codecs.utf_8_decode(text, "strict", False)[0]


def _quote(text: str | bytes) -> str:
    """Show text for a message: repr-escaped, cut to 40 characters with '…' after the quote."""
    if len(text) <= QUOTE_LIMIT:
        return repr(text)
    return f"{text[:QUOTE_LIMIT]!r}…"


def _count(number: int, noun: str) -> str:
    """'1 field', '2 fields'."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"
