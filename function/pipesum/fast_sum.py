"""Shortcuts for the sum of line 2's complete fields in common shapes; speed only.

`fast_sum` recognises three shapes with whole-bytes operations and sums them without a Python
object per field. Every field of a shape it takes is a number (digits, with at most one point
between digits), and it gives the sum, of the same type and exponent, that the general path in
pipesum/number_fields.py gives; for anything else it returns None and the general path decides.
"""

from __future__ import annotations

from decimal import Decimal

from pipesum.number_fields import EXACT, SEPARATOR, int_sum

__all__ = ["fast_sum"]

_DIGITS = b"0123456789"
_DIGITS_AND_SEPARATOR = _DIGITS + SEPARATOR
_DIGITS_POINT_AND_SEPARATOR = _DIGITS_AND_SEPARATOR + b"."
_DIGITS_TO_NINES = bytes.maketrans(_DIGITS, b"9" * len(_DIGITS))
_NONZERO_DIGITS = tuple((value, _DIGITS[value : value + 1]) for value in range(1, 10))
# Fixed-width fields are summed column by column up to this many digits; wider ones by int().
_COLUMNS_MAX = 40


def fast_sum(fields: bytes, count: int) -> int | Decimal | None:
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
    if not fields or fields.startswith(SEPARATOR) or fields.endswith(SEPARATOR):
        return None
    if b"||" in fields:
        return None
    return int_sum(fields.split(SEPARATOR))


def _same_scale_sum(fields: bytes, count: int) -> Decimal | None:
    """The sum of fields of digits with one point each and the same number of fraction digits.

    With digits written as 9s, every field is then 9s, a point, and `scale` 9s before its
    separator: `count` occurrences of that, no field starting with the point.
    """
    shape = fields.translate(_DIGITS_TO_NINES)
    point = shape.find(b".")
    field_end = shape.find(SEPARATOR, point)
    scale = (len(shape) if field_end == -1 else field_end) - point - 1
    if (
        scale < 1
        or shape.startswith(b".")
        or b"|." in shape
        or (shape + SEPARATOR).count(b"." + b"9" * scale + SEPARATOR) != count
    ):
        return None
    integers = int_sum(fields.replace(b".", b"").split(SEPARATOR))
    return None if integers is None else EXACT.scaleb(Decimal(integers), -scale)


def _fixed_width_sum(fields: bytes, count: int) -> int | Decimal | None:
    """The sum of fields that all have the same width and digits, or a point at the same place.

    Every separator is then at a known offset, and so is every digit of a given weight: the
    digits of one weight are an extended slice, added by counting each digit value in it.
    """
    width, rest = divmod(len(fields) + 1, count)
    width -= 1  # each field is followed by one separator, except the last
    if rest or width < 1 or width > _COLUMNS_MAX:
        return None
    if fields[width :: width + 1].count(SEPARATOR) != count - 1:
        return None  # a separator elsewhere: fields of different widths
    point = fields.find(b".", 0, width)
    if point == -1:
        if fields.translate(None, _DIGITS_AND_SEPARATOR):
            return None
        digits, columns, scale = fields.translate(None, SEPARATOR), width, 0
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
    return total if scale == 0 else EXACT.scaleb(Decimal(total), -scale)
