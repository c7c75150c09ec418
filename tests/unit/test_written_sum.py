"""The contract's way of writing a sum, as the oracles write it, against the function's."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kit.written_sum import written_sum
from pipesum.transform import format_sum


@pytest.mark.parametrize(
    ("total", "written"),
    [
        ("3.75", "3.75"),
        ("2.50", "2.50"),
        ("-0.00", "0.00"),
        ("0", "0"),
        ("-12", "-12"),
        ("0.05", "0.05"),
        ("-0.5", "-0.5"),
        ("1E+2", "100"),
        ("1.0E-7", "0.00000010"),
        ("23185", "23185"),
    ],
)
def test_a_sum_is_written_in_plain_notation_with_its_fraction_digits(
    total: str, written: str
) -> None:
    assert written_sum(Decimal(total)) == written


@pytest.mark.parametrize("total", ["NaN", "Infinity", "-Infinity"])
def test_a_non_finite_sum_is_refused(total: str) -> None:
    with pytest.raises(ValueError, match="non-finite"):
        written_sum(Decimal(total))


@given(st.decimals(allow_nan=False, allow_infinity=False, places=None))
def test_the_function_writes_every_sum_as_the_contract_does(total: Decimal) -> None:
    assert format_sum(total) == written_sum(total)
