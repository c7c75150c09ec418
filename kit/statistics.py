"""Summaries of measured samples."""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import Decimal


def percentile(samples: Iterable[float], fraction: float) -> float:
    """The nearest-rank percentile: the smallest sample with at least `fraction` of all at or
    below it (fraction 0.5 is the median's lower value, 1.0 the maximum); always a sample."""
    ordered = sorted(samples)
    if not ordered:
        raise ValueError("no samples")
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], not {fraction}")
    rank = math.ceil(len(ordered) * Decimal(str(fraction)))  # exact: 0.95 * 20 is 19, not 19.0…4
    return ordered[max(1, rank) - 1]
