"""How a source is cut into copy parts: S3's part sizes and count are respected."""

from __future__ import annotations

import pytest

from pipesum.storage import MAX_COPY_PARTS, copy_ranges
from pipesum.tuning import S3_MAX_PART_BYTES, S3_MIN_PART_BYTES

GIB = 1 << 30


@pytest.mark.parametrize(
    ("size", "part_bytes", "expected"),
    [
        (1, 10, [(0, 0)]),
        (10, 10, [(0, 9)]),
        (11, 10, [(0, 4), (5, 10)]),
        (48, 20, [(0, 15), (16, 31), (32, 47)]),
    ],
)
def test_ranges_cover_every_byte_once_in_the_fewest_equal_parts(
    size: int, part_bytes: int, expected: list[tuple[int, int]]
) -> None:
    assert copy_ranges(size, part_bytes) == expected


@pytest.mark.parametrize("size", [5 << 20, 5 * GIB, 5 * GIB + 1, 10 * GIB + 7, 5 * 1024 * GIB])
def test_parts_of_a_large_source_stay_within_s3s_bounds(size: int) -> None:
    """From 5 MiB to S3's 5 TiB maximum object: parts of 5 MiB to 5 GiB, contiguous."""
    ranges = copy_ranges(size, S3_MAX_PART_BYTES)
    lengths = [last - first + 1 for first, last in ranges]
    assert sum(lengths) == size
    assert all(S3_MIN_PART_BYTES <= length <= S3_MAX_PART_BYTES for length in lengths)
    assert all(ranges[i][1] + 1 == ranges[i + 1][0] for i in range(len(ranges) - 1))
    assert len(ranges) <= MAX_COPY_PARTS


def test_more_parts_than_a_multipart_upload_holds_is_an_error() -> None:
    with pytest.raises(ValueError, match="need 10000 parts"):
        copy_ranges(10_000, 1)


@pytest.mark.parametrize(("size", "part_bytes"), [(0, 10), (10, 0)])
def test_nothing_to_cut_is_an_error(size: int, part_bytes: int) -> None:
    with pytest.raises(ValueError, match="cannot cut"):
        copy_ranges(size, part_bytes)
