"""Percentiles of measured samples."""

from __future__ import annotations

import pytest

from kit.statistics import percentile


def test_percentile_is_nearest_rank() -> None:
    """p50 of 1..20 is 10, p95 is 19, p100 is 20; order of the samples does not matter."""
    samples = [float(n) for n in range(20, 0, -1)]
    assert (percentile(samples, 0.5), percentile(samples, 0.95), percentile(samples, 1.0)) == (
        10.0,
        19.0,
        20.0,
    )
    assert percentile([3.0], 0.95) == 3.0


def test_percentile_of_nothing_is_an_error() -> None:
    """No samples have no percentile."""
    with pytest.raises(ValueError, match="no samples"):
        percentile([], 0.5)
