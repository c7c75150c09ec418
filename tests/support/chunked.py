"""The parser fed a file in chunks, as the function feeds it what it reads from S3."""

from __future__ import annotations

import itertools

from pipesum.rejection import InputRejected
from pipesum.transform import SumParser

#: The output's bytes, or the rejection as (code, message, line, field).
Outcome = bytes | tuple[str, str, int | None, int | None]


def streamed(original: bytes, max_bytes: int, chunk_sizes: list[int]) -> Outcome:
    """Feed `original` in chunks of the given sizes (cycled), as the function reads S3."""
    try:
        parser = SumParser(size=len(original), max_bytes=max_bytes)
        position = 0
        for size in itertools.cycle(chunk_sizes):
            if position >= len(original) or not parser.feed(original[position : position + size]):
                break
            position += size
        row = parser.result()
    except InputRejected as rejected:
        return (rejected.code.value, rejected.message, rejected.line, rejected.field)
    # The function learns the last byte from the bytes it read, or from one more ranged read.
    ends = parser.ends_with_line_feed
    if ends is None:
        ends = original.endswith(b"\n")
    return original + row.appended(ends_with_line_feed=ends)
