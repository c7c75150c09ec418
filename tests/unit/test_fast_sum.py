"""The speed-only shortcuts give exactly what the general path gives, or step aside.

The general path is pipesum/number_fields.py: a field is a number when it matches the contract's
pattern, and `sum_numbers` adds checked fields exactly. For any bytes, `fast_sum` either returns
None or returns the general path's sum, of the same type and exponent, for fields that are all
numbers. Then the same from outside: the parser with the shortcuts and the parser with
`fast_sum` replaced by "always None" give the same output bytes or the same rejection for any
file and any chunking. Last, the shapes the shortcuts exist for do take them, so that losing one
shows up here and not only as a slower benchmark.
"""

from __future__ import annotations

from decimal import Decimal
from unittest import mock

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pipesum.fast_sum import fast_sum
from pipesum.number_fields import VALID_FIELDS_PREFIX_RE, sum_numbers
from tests.support.chunked import Outcome, streamed

LIMIT = 1 << 30
BOM = b"\xef\xbb\xbf"
DIFFERENTIAL = settings(
    max_examples=400,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
TOO_LONG_FOR_INT = "9" * 4301  # int() refuses more than 4300 digits


def exactly(value: int | Decimal) -> tuple[str, str]:
    """A sum as its type and text: Decimal('1.50') and Decimal('1.5') differ, as in the output."""
    return type(value).__name__, str(value)


def general_sum(fields: bytes) -> int | Decimal | None:
    """The general path on complete fields: None if one is not a number, else the exact sum."""
    if VALID_FIELDS_PREFIX_RE.fullmatch(fields + b"|") is None:
        return None
    return sum_numbers(fields)


# --- generated fields ------------------------------------------------------------------------

# Fields that break a shape: other widths, signs, padding, misplaced or repeated points, letters,
# non-ASCII digits, empty fields, and numbers too long for int().
ODD_FIELDS = st.sampled_from(
    [
        *["", " ", "\t", "+1", "-1", "+0.00", "-0.00", " 1", "1 ", "1\t", "\t-2.5 "],
        *[".", ".5", "5.", "1.2.3", "1..2", "12", "1.5", "1.50", "0.125", "00", "7"],
        *["x", "e", "1e3", "NaN", "é", "\u0661", "\x00", "1\r", "1\x0b", "1,5"],
        *[TOO_LONG_FOR_INT, TOO_LONG_FOR_INT + ".5", "0." + TOO_LONG_FOR_INT, "9" * 41],
    ]
)
DIGITS = "0123456789"


@st.composite
def fixed_width_fields(draw: st.DrawFn) -> bytes:
    """Fields of one width (up to past the column limit), maybe a point at one place, some odd."""
    width = draw(st.integers(min_value=1, max_value=44))
    point = draw(st.sampled_from([None, *range(width)]))  # 0 and width-1 are not number shapes
    count = draw(st.integers(min_value=1, max_value=60))
    digits = st.text(alphabet=DIGITS, min_size=width, max_size=width)
    fields = [
        text if point is None else f"{text[:point]}.{text[point + 1 :]}"
        for text in draw(st.lists(digits, min_size=count, max_size=count))
    ]
    for index in draw(st.sets(st.integers(min_value=0, max_value=count - 1), max_size=2)):
        fields[index] = draw(ODD_FIELDS)
    return "|".join(fields).encode()


@st.composite
def amount_fields(draw: st.DrawFn) -> bytes:
    """Fields of digits of any width, with the same number of fraction digits (or none)."""
    scale = draw(st.integers(min_value=0, max_value=4))
    count = draw(st.integers(min_value=1, max_value=60))
    integers = st.text(alphabet=DIGITS, min_size=0 if scale else 1, max_size=9)
    fraction = st.text(alphabet=DIGITS, min_size=scale, max_size=scale)
    fields = [draw(integers) + ("." + draw(fraction) if scale else "") for _ in range(count)]
    for index in draw(st.sets(st.integers(min_value=0, max_value=count - 1), max_size=2)):
        fields[index] = draw(ODD_FIELDS)
    return "|".join(fields).encode()


TOKENS = st.sampled_from(
    [
        *[b"|", b"||", b"0", b"1", b"09", b"1234", b".", b"1.5", b"22.25", b"+", b"-"],
        *[b" ", b"\t", b"x", b"\xff", "é".encode(), b"\r", b"9" * 45],
    ]
)
FIELDS = st.one_of(
    fixed_width_fields(),
    amount_fields(),
    st.lists(TOKENS, max_size=40).map(b"".join),
    st.binary(max_size=80),
)


@DIFFERENTIAL
@given(FIELDS)
@example(b"")
@example(b"|")
@example(b"1|")
@example(b"|1")
@example(b"12|34|")
@example(b".5|.5")
@example(b"5.|5.")
@example(b"1.5|22.25")
@example(b"1.50|2.5|3.75")
@example(b"12.5|1.25")
@example(b"1.5|..5")
@example(b"1.5|+15")
@example(b"12|+1")
@example(TOO_LONG_FOR_INT.encode())
@example(f"1|{TOO_LONG_FOR_INT}".encode())
@example(f"1.5|{TOO_LONG_FOR_INT}.5".encode())
def test_fast_sum_is_the_general_sum_or_none(fields: bytes) -> None:
    """Whatever the shortcut takes is all numbers, summed exactly as the general path sums them."""
    value = fast_sum(fields, fields.count(b"|") + 1)
    if value is not None:
        general = general_sum(fields)
        assert general is not None, f"the shortcut summed fields that are not all numbers: {value}"
        assert exactly(value) == exactly(general)


# --- the parser with and without the shortcuts -----------------------------------------------


def parsed_both_ways(original: bytes, chunk_sizes: list[int]) -> tuple[Outcome, Outcome]:
    """The parser's outcome with the shortcut, and with `fast_sum` always answering None."""
    with mock.patch("pipesum.line_scans.fast_sum", wraps=fast_sum) as shortcut:
        with_shortcut = streamed(original, LIMIT, chunk_sizes)
    with mock.patch("pipesum.line_scans.fast_sum", return_value=None) as refused:
        general = streamed(original, LIMIT, chunk_sizes)
    # The replacement stood where the parser asks, as often as the real one was asked.
    assert refused.call_count == shortcut.call_count
    return with_shortcut, general


@st.composite
def files(draw: st.DrawFn) -> bytes:
    """A header and a line 2 of generated fields; sometimes a BOM, CRLF, a field more or less."""
    row = draw(FIELDS)
    fields = row.count(b"|") + 1 + draw(st.sampled_from([0, 0, 0, 1, -1]))
    header = b"|".join(b"c" for _ in range(max(fields, 1)))
    ending = draw(st.sampled_from([b"\n", b"\r\n"]))
    tail = draw(st.sampled_from([b"", b"\n", b"\r\n", b"\r", b"\nmore|rows\n"]))
    bom = BOM if draw(st.booleans()) else b""
    return bom + header + ending + row + tail


CHUNKINGS = st.one_of(
    st.just([1 << 20]),
    st.lists(st.integers(min_value=1, max_value=9), min_size=1, max_size=6),
    st.lists(st.integers(min_value=1, max_value=300), min_size=1, max_size=4),
)


@DIFFERENTIAL
@given(files(), CHUNKINGS)
@example(f"a|b|c\n1|{TOO_LONG_FOR_INT}|2\n".encode(), [1 << 20])
@example(f"a|b|c\n1.5|{TOO_LONG_FOR_INT}.5|2.25\n".encode(), [1 << 20])
def test_the_parser_gives_the_same_with_and_without_the_shortcuts(
    original: bytes, chunk_sizes: list[int]
) -> None:
    """Same output bytes, or the same rejection (code, message, line, field), for any chunking."""
    with_shortcut, general = parsed_both_ways(original, chunk_sizes)
    assert with_shortcut == general


# --- the shapes the shortcuts are for --------------------------------------------------------


def wide_amounts(count: int) -> bytes:
    """Line 2 as the benchmark's wide input has it: amounts 1000.00 to 9999.99, all 7 bytes."""
    return b"|".join(b"%d.%02d" % (1000 + index % 9000, index % 100) for index in range(count))


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        pytest.param(b"1234|5678|0001", 6913, id="fixed-width-integers"),
        pytest.param(b"12.50|03.25|99.99", Decimal("115.74"), id="fixed-width-amounts"),
        pytest.param(b"9" * 40 + b"|" + b"0" * 39 + b"1", 10**40, id="fixed-width-40-digits"),
        pytest.param(b"1|22|333|" + b"4" * 45, 356 + int("4" * 45), id="integers"),
        pytest.param(b"1.50|22.25|333.00|0.05", Decimal("356.80"), id="same-scale-amounts"),
        pytest.param(wide_amounts(4096), None, id="the-benchmark-wide-line"),
    ],
)
def test_the_common_shapes_take_a_shortcut(fields: bytes, expected: int | Decimal | None) -> None:
    """Each shape is summed by the shortcut, to the general path's exact sum."""
    value = fast_sum(fields, fields.count(b"|") + 1)
    assert value is not None
    general = general_sum(fields)
    assert general is not None
    assert exactly(value) == exactly(general)
    if expected is not None:
        assert exactly(value) == exactly(expected)


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param(b"1| 2|3", id="padding"),
        pytest.param(b"+1|2|3", id="sign"),
        pytest.param(b"1.5|2.25", id="different-scales"),
        pytest.param(b"12.5|1.25", id="points-at-different-places"),
        pytest.param(b"1.5|2", id="integer-among-amounts"),
        pytest.param(b"1||3", id="empty-field"),
        pytest.param(b".5|.5", id="no-integer-digits"),
        pytest.param(TOO_LONG_FOR_INT.encode() + b"|1", id="too-long-for-int"),
        pytest.param(b"1|x|3", id="not-a-number"),
    ],
)
def test_other_shapes_are_left_to_the_general_path(fields: bytes) -> None:
    assert fast_sum(fields, fields.count(b"|") + 1) is None


def test_the_parser_asks_the_shortcut_for_a_long_line_2() -> None:
    """A line 2 of 64 KiB fed in 4 KiB chunks is summed by the shortcut, chunk by chunk."""
    row = wide_amounts(8192)
    original = b"|".join(b"c" for _ in range(8192)) + b"\n" + row + b"\n"
    with mock.patch("pipesum.line_scans.fast_sum", wraps=fast_sum) as shortcut:
        streamed(original, LIMIT, [4096])
    taken = [call for call in shortcut.call_args_list if fast_sum(*call.args) is not None]
    assert len(taken) >= len(row) // 4096 - 1
    with_shortcut, general = parsed_both_ways(original, [4096])
    assert with_shortcut == general
    assert isinstance(with_shortcut, bytes)
