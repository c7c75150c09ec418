"""How the function reads and writes objects: read chunk, copy threshold, copy part size.

The defaults suit S3; each can be set by an environment variable, so that tests can make small
files take the large-file path where the S3 implementation allows parts under 5 MiB.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from pipesum.config import ConfigurationError

MIB = 1 << 20
GIB = 1 << 30
#: S3's bounds for a part of a multipart upload (all parts but the last: at least the minimum).
S3_MIN_PART_BYTES = 5 * MIB
S3_MAX_PART_BYTES = 5 * GIB
#: The first ranged read; later reads double up to read_chunk_bytes. Lines 1 and 2 of most files
#: fit in it, so a large file usually costs one small read.
FIRST_READ_BYTES = 64 << 10


@dataclass(frozen=True)
class Tuning:
    #: The largest ranged read of the source, and so a bound of the memory reading takes.
    read_chunk_bytes: int = MIB
    #: From this size on, the output is a multipart upload copying the source inside S3; below
    #: it, one PutObject of the original and the appended row. S3 needs at least 5 MiB.
    copy_threshold_bytes: int = S3_MIN_PART_BYTES
    #: The largest byte range of the source one UploadPartCopy copies (S3 allows 5 GiB).
    copy_part_bytes: int = S3_MAX_PART_BYTES

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] = os.environ) -> Tuning:
        return cls(
            read_chunk_bytes=_positive(environ, "READ_CHUNK_BYTES", cls.read_chunk_bytes),
            copy_threshold_bytes=_positive(
                environ, "COPY_THRESHOLD_BYTES", cls.copy_threshold_bytes
            ),
            copy_part_bytes=_positive(
                environ, "COPY_PART_BYTES", cls.copy_part_bytes, maximum=S3_MAX_PART_BYTES
            ),
        )

    def read_sizes(self) -> tuple[int, int]:
        """The size of the first ranged read, and the largest."""
        return min(FIRST_READ_BYTES, self.read_chunk_bytes), self.read_chunk_bytes


def _positive(
    environ: Mapping[str, str], name: str, default: int, *, maximum: int | None = None
) -> int:
    raw = environ.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
        raise ConfigurationError(f"{name} must be a positive integer, not {raw!r}")
    if maximum is not None and int(raw) > maximum:
        raise ConfigurationError(f"{name} must be at most {maximum}, not {raw}")
    return int(raw)
