"""The text of lines 1 and 2, fed in pieces of any size: what each line holds, in bounded memory.

`Utf8Check` decodes one line strictly and keeps the first error; `HeaderScan` counts line 1's
fields and finds the first empty one; `RowScan` checks line 2's fields and adds each as soon as
it is complete. Whatever a line's length, each keeps the few bytes a message quotes, and RowScan
also the digits of the one number being read. They find; pipesum/transform.py decides which
finding is reported, in the contract's order.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from decimal import Decimal

from pipesum.fast_sum import fast_sum
from pipesum.number_fields import (
    EXACT,
    INT_DIGITS,
    NUMBER,
    SEPARATOR,
    VALID_FIELDS_PREFIX_RE,
    sum_numbers,
)

__all__ = ["QUOTE_BYTES", "QUOTE_LIMIT", "BadBytes", "HeaderScan", "RowScan", "Utf8Check"]

_PADDING = b" \t"
QUOTE_LIMIT = 40
# A message quotes at most 40 characters and says whether there were more, so 41 characters are
# kept; a UTF-8 character is at most 4 bytes.
QUOTE_BYTES = QUOTE_LIMIT + 1
_QUOTE_TEXT_BYTES = 4 * QUOTE_BYTES
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
_NUMBER_RE = re.compile(NUMBER)
_PREFIX_STATES = (
    (re.compile(rb"[ \t]*+"), _LEADING),
    (re.compile(rb"[ \t]*+[+-]"), _SIGN),
    (re.compile(rb"[ \t]*+[+-]?+[0-9]++\."), _POINT),
)


@dataclass
class BadBytes:
    position: int  # 0-based, in the line's text (after the BOM on line 1)
    reason: str
    quoted: bytearray  # the line's bytes from `position` on, up to 41 of them


class Utf8Check:
    """Strict UTF-8 decoding of one line's text, fed in pieces; remembers the first error."""

    def __init__(self) -> None:
        self._pending = b""  # the start of a character cut by the end of the last piece
        self._decoded = 0  # bytes of the line before `_pending`
        self.bad: BadBytes | None = None

    def check(self, text: bytes) -> bool:
        """Decode the next text of the line; True while the line is UTF-8 so far."""
        if self.bad is not None:
            self.bad.quoted += text[: QUOTE_BYTES - len(self.bad.quoted)]
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
        self.bad = BadBytes(
            position=self._decoded + error.start,
            reason=error.reason,
            quoted=bytearray(data[error.start : error.start + QUOTE_BYTES]),
        )


class HeaderScan:
    """Line 1, fed in pieces: how many fields, and the first that is empty (only padding)."""

    def __init__(self) -> None:
        self.fields = 1  # the number of the field being read, and at the end the field count
        self._open_is_padding = True  # the field being read holds only spaces and tabs so far
        self._open_head = bytearray()  # its first bytes, kept while it is only padding
        self.empty: tuple[int, bytes] | None = None  # the first empty field and its padding
        self.blank: bytes | None = None  # the header's padding, when the whole line is blank

    def feed(self, text: bytes) -> None:
        first = text.find(SEPARATOR)
        if first == -1:
            self._extend(text)
            return
        last = text.rfind(SEPARATOR)
        self._extend(text[:first])
        self._close()
        if self.empty is None and last > first and _may_hold_an_empty_field(text, first, last):
            empty = _EMPTY_MIDDLE_FIELD_RE.search(text, first, last + 1)
            if empty is not None:
                field = self.fields + text.count(SEPARATOR, first + 1, empty.start() + 1)
                self.empty = (field, empty.group(1)[:QUOTE_BYTES])
        self.fields += text.count(SEPARATOR, first + 1, last + 1)
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
        elif len(self._open_head) < QUOTE_BYTES:
            self._open_head += text[: QUOTE_BYTES - len(self._open_head)]

    def _close(self) -> None:
        if self._open_is_padding and self.empty is None:
            self.empty = (self.fields, bytes(self._open_head))
        self.fields += 1
        self._open_is_padding = True
        self._open_head.clear()


class RowScan:
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
        first = text.find(SEPARATOR)
        if first == -1:
            self._extend(text)
            return
        last = text.rfind(SEPARATOR)
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
        return EXACT.add(Decimal(self._integers), self._decimals)

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
            if b"." in number or len(number) > INT_DIGITS:
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
        count = fields.count(SEPARATOR) + 1
        value = fast_sum(fields, count)
        if value is None:
            valid = VALID_FIELDS_PREFIX_RE.match(text, start, end + 1)
            stop = start if valid is None else valid.end()  # a '*' pattern always matches
            if stop <= end:
                field_end = min(text.index(SEPARATOR, stop), stop + _QUOTE_TEXT_BYTES)
                field = self.fields + text.count(SEPARATOR, start, stop)
                self.invalid = (field, text[stop:field_end])
                return
            value = sum_numbers(fields)
        self._add(value)
        self.fields += count

    def _add(self, value: int | Decimal) -> None:
        if isinstance(value, int):
            self._integers += value
        else:
            self._decimals = EXACT.add(self._decimals, value)


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
