"""How a source's bytes are cut: into the ranged reads of its lines and the parts of its copy."""

from __future__ import annotations

from collections.abc import Iterator

MAX_COPY_PARTS = 9_999  # S3 allows 10,000 parts; the last is the appended row


def copy_ranges(size: int, part_bytes: int) -> list[tuple[int, int]]:
    """Cut bytes 0..size-1 into the fewest ranges of at most `part_bytes`, as equal as can be.

    Equal ranges keep every part far above S3's 5 MiB minimum when the source is at least that
    large: with n parts, each holds more than (n - 1) / n of `part_bytes`.
    """
    if size < 1 or part_bytes < 1:
        raise ValueError(f"cannot cut {size} bytes into parts of {part_bytes}")
    count = -(-size // part_bytes)
    if count > MAX_COPY_PARTS:
        raise ValueError(
            f"{size} bytes in parts of at most {part_bytes} need {count} parts; "
            f"a multipart upload holds {MAX_COPY_PARTS} besides the appended row"
        )
    bounds = [size * index // count for index in range(count + 1)]
    return [(bounds[index], bounds[index + 1] - 1) for index in range(count)]


def read_ranges(size: int, first_read: int, largest_read: int) -> Iterator[tuple[int, int]]:
    """Bytes 0..size-1 in ranges of `first_read` bytes, then twice as many up to `largest_read`."""
    length, position = first_read, 0
    while position < size:
        last = min(position + length, size) - 1
        yield position, last
        position = last + 1
        length = min(2 * length, largest_read)
