"""The data fields of line 2: what a number is, and the exact sum of complete fields.

This is the general path, the reference for every shortcut: a field is a number when it matches
`NUMBER`, and `sum_numbers` adds fields already checked against it, exactly. The shortcuts for
common shapes of line 2 are in pipesum/fast_sum.py and must give what this module gives.
"""

from __future__ import annotations

import decimal
import re
from collections.abc import Sequence
from decimal import Decimal

__all__ = [
    "EXACT",
    "INT_DIGITS",
    "NUMBER",
    "SEPARATOR",
    "VALID_FIELDS_PREFIX_RE",
    "int_sum",
    "sum_numbers",
]

SEPARATOR = b"|"
# int() refuses strings of more than 4300 digits (CPython's int/str conversion limit); longer
# numbers are summed as Decimal, which has no such limit.
INT_DIGITS = 4000

# Additions are exact: the largest precision there is, and a trap on any rounding.
EXACT = decimal.Context(
    prec=decimal.MAX_PREC,
    Emax=decimal.MAX_EMAX,
    Emin=decimal.MIN_EMIN,
    traps=[decimal.InvalidOperation, decimal.Inexact, decimal.Rounded, decimal.Overflow],
)

# One data field: ASCII digits only ([0-9], never \d), optional sign and fraction, padded with
# spaces or tabs. Possessive quantifiers (Python 3.11+) keep matching linear with no backtracking;
# the parts match disjoint characters, so possessive matching accepts exactly what a
# backtracking match of the same pattern would.
NUMBER = rb"[ \t]*+[+-]?+[0-9]++(?:\.[0-9]++)?+[ \t]*+"
# The longest run of valid fields each followed by '|': it ends just after a '|' (or at 0).
VALID_FIELDS_PREFIX_RE = re.compile(rb"(?:" + NUMBER + rb"\|)*+")


def sum_numbers(fields: bytes) -> int | Decimal:
    """The exact sum of '|'-separated fields already checked to be numbers."""
    if b"." not in fields:
        integers = int_sum(fields.split(SEPARATOR))
        if integers is not None:
            return integers
    with decimal.localcontext(EXACT):
        # Decimal() trims the spaces and tabs the field pattern allows around a number.
        return sum(map(Decimal, fields.decode("ascii").split("|")), Decimal(0))


def int_sum(fields: Sequence[bytes]) -> int | None:
    """The sum of integer fields (int() trims spaces and tabs); None if one is too long."""
    try:
        return sum(map(int, fields))
    except ValueError:
        return None
