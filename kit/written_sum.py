"""How the input contract writes a sum, written again from the contract, not from the function.

docs/input-contract.md: the sum is written in plain notation (never an exponent), with as many
fraction digits as the most precise number summed, and zero is never negative. The oracles
(kit/reference_transform.py, kit/inputs.py) write sums with this, so a function that writes them
otherwise is caught by them: they share no code with pipesum.transform.format_sum.
"""

from __future__ import annotations

from decimal import Decimal


def written_sum(total: Decimal) -> str:
    """Decimal('3.75') -> '3.75', Decimal('2.50') -> '2.50', Decimal('-0.00') -> '0.00',
    Decimal('1E+2') -> '100'. ValueError for NaN and infinities."""
    if not total.is_finite():
        raise ValueError(f"cannot write the non-finite sum {total}")
    sign, digits, exponent = total.as_tuple()
    assert isinstance(exponent, int)  # noqa: S101  (finite: an int, not 'n' or 'F')
    text = "".join(str(digit) for digit in digits)
    if exponent >= 0:
        text += "0" * exponent
    else:
        places = -exponent
        text = text.rjust(places + 1, "0")
        text = f"{text[:-places]}.{text[-places:]}"
    negative = sign == 1 and any(digits)
    return f"-{text}" if negative else text
