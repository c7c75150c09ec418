"""Generated files: valid ones get exactly the reference sum; any bytes give output or a rejection.

The reference sum is independent of the transform: Decimal in a 10,000-digit context, written
out by a small integer-based formatter with the fraction length known from generation.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipesum.rejection import ErrorCode, InputRejected
from pipesum.transform import append_sum

LIMIT = 1 << 20
BOM = b"\xef\xbb\xbf"
PROPERTY_SETTINGS = settings(
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@dataclass(frozen=True)
class Number:
    """One generated data field: its text in the file, and its parts for the reference."""

    text: str  # as written in the file, with padding
    sign: str  # "", "+" or "-"
    digits: str  # integer digits, leading zeros included
    fraction: str | None  # fraction digits, or None for an integer


@dataclass(frozen=True)
class ValidFile:
    original: bytes
    numbers: list[Number]
    ending: bytes  # line 1's ending


PADDING = st.text(alphabet=" \t", max_size=3)
DIGITS = st.one_of(
    st.integers(min_value=0, max_value=10**6).map(str),
    st.integers(min_value=0, max_value=10**400).map(str),
)


@st.composite
def numbers(draw: st.DrawFn) -> Number:
    sign = draw(st.sampled_from(["", "+", "-"]))
    digits = "0" * draw(st.integers(min_value=0, max_value=3)) + draw(DIGITS)
    fraction = draw(st.one_of(st.none(), st.text(alphabet="0123456789", min_size=1, max_size=12)))
    body = sign + digits + ("" if fraction is None else "." + fraction)
    return Number(draw(PADDING) + body + draw(PADDING), sign, digits, fraction)


HEADER_NAME = st.text(
    # Any Unicode but the separator, line-ending characters, surrogates and U+FEFF (which at the
    # start of a file would be read as the BOM).
    alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="|\n\r\ufeff"),
    min_size=1,
    max_size=8,
).filter(lambda name: name.strip(" \t") != "")


@st.composite
def valid_files(draw: st.DrawFn) -> ValidFile:
    width = draw(st.integers(min_value=1, max_value=8))
    header = "|".join(draw(st.lists(HEADER_NAME, min_size=width, max_size=width)))
    row = draw(st.lists(numbers(), min_size=width, max_size=width))
    ending = draw(st.sampled_from([b"\n", b"\r\n"]))
    data_ending = draw(st.sampled_from([b"\n", b"\r\n"]))  # line 2 may end differently
    original = (
        (BOM if draw(st.booleans()) else b"")
        + header.encode()
        + ending
        + "|".join(number.text for number in row).encode()
    )
    tail = draw(st.sampled_from(["none", "line-end", "extra-rows"]))
    if tail == "line-end":
        original += data_ending
    elif tail == "extra-rows":
        original += data_ending + draw(st.binary(max_size=40))
    return ValidFile(original, row, ending)


def reference_sum(numbers: list[Number]) -> str:
    """The expected sum row text, computed without the transform's code."""
    with decimal.localcontext(prec=10_000):
        total = sum(
            (Decimal(n.sign + n.digits + ("" if n.fraction is None else "." + n.fraction)))
            for n in numbers
        )
        assert isinstance(total, Decimal)
        scale = max(len(n.fraction or "") for n in numbers)
        scaled = int(total.scaleb(scale))  # exact: every value has at most `scale` decimals
    digits = str(abs(scaled)).rjust(scale + 1, "0")
    sign = "-" if scaled < 0 else ""
    return sign + (digits if scale == 0 else f"{digits[:-scale]}.{digits[-scale:]}")


@PROPERTY_SETTINGS
@given(valid_files())
def test_valid_file_gets_reference_sum(file: ValidFile) -> None:
    """A valid file's output is the original, a line end if missing, the exact sum, a line end."""
    original = file.original
    separator = b"" if original.endswith(b"\n") else file.ending
    expected = original + separator + reference_sum(file.numbers).encode() + file.ending
    assert append_sum(original, max_bytes=LIMIT) == expected


INVALID_FIELDS = st.sampled_from(
    [
        *["", " ", "1_000", "1,000", "1e3", "0x1F", ".5", "5.", "NaN", "inf", "+-1", " - 1"],
        *["\u0663", "\uff11", "1\x00", "\u00a01", "1.2.3", "x"],
    ]
)


@PROPERTY_SETTINGS
@given(valid_files(), st.data())
def test_first_invalid_field_is_reported(file: ValidFile, data: st.DataObject) -> None:
    """Replacing fields of a valid data row with non-numbers reports the leftmost one."""
    width = len(file.numbers)
    bad = data.draw(st.sets(st.integers(min_value=0, max_value=width - 1), min_size=1))
    fields = [
        data.draw(INVALID_FIELDS) if index in bad else number.text
        for index, number in enumerate(file.numbers)
    ]
    header_end = file.original.index(b"\n") + 1
    row = "|".join(fields)
    original = file.original[:header_end] + row.encode() + b"\n"
    # A one-field row that is only padding is a blank line 2, which is reported first.
    expected = (
        (ErrorCode.MISSING_DATA_ROW, 2, None)
        if row.strip(" \t") == ""
        else (ErrorCode.INVALID_NUMBER, 2, min(bad) + 1)
    )
    with pytest.raises(InputRejected) as caught:
        append_sum(original, max_bytes=LIMIT)
    assert (caught.value.code, caught.value.line, caught.value.field) == expected


def _check_outcome(original: bytes) -> None:
    """append_sum gives a well-formed output or a well-formed rejection."""
    try:
        outcome: bytes | InputRejected = append_sum(original, max_bytes=LIMIT)
    except InputRejected as rejected:
        outcome = rejected
    if isinstance(outcome, bytes):
        assert outcome.startswith(original)
        assert outcome.endswith(b"\n")
        return
    assert isinstance(outcome.code, ErrorCode)
    assert outcome.message
    assert outcome.message.isprintable()
    assert outcome.line in (None, 1, 2)
    assert outcome.field is None or outcome.field >= 1


@PROPERTY_SETTINGS
@given(st.binary(max_size=200))
def test_arbitrary_bytes_give_output_or_rejection(original: bytes) -> None:
    """For any bytes, append_sum returns the output or raises InputRejected, nothing else."""
    _check_outcome(original)


TOKENS = st.sampled_from(
    [
        *[b"|", b"\n", b"\r", b"\r\n", BOM, b" ", b"\t", b"1", b"09", b"-", b"+", b".", b"a"],
        *[b"\x00", b"\xff", b"\xc3", b"\xe2\x82", "\u0663".encode(), b"e", b"_"],
    ]
)


@PROPERTY_SETTINGS
@given(st.lists(TOKENS, max_size=40).map(b"".join))
def test_near_valid_bytes_give_output_or_rejection(original: bytes) -> None:
    """Bytes assembled from separators, digits, signs, line ends and bad bytes never crash."""
    _check_outcome(original)
