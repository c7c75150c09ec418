"""Read and copy sizes: S3's defaults, overridable by environment variables, checked."""

from __future__ import annotations

import pytest

from pipesum.config import ConfigurationError
from pipesum.tuning import FIRST_READ_BYTES, S3_MAX_PART_BYTES, S3_MIN_PART_BYTES, Tuning


def test_defaults_are_1_mib_reads_and_s3s_part_sizes() -> None:
    assert Tuning.from_environment({}) == Tuning(1 << 20, S3_MIN_PART_BYTES, S3_MAX_PART_BYTES)
    assert Tuning().read_sizes() == (FIRST_READ_BYTES, 1 << 20)


def test_each_size_can_be_set_by_the_environment() -> None:
    environ = {"READ_CHUNK_BYTES": "4096", "COPY_THRESHOLD_BYTES": "1", "COPY_PART_BYTES": "7"}
    tuning = Tuning.from_environment(environ)
    assert tuning == Tuning(read_chunk_bytes=4096, copy_threshold_bytes=1, copy_part_bytes=7)
    assert tuning.read_sizes() == (4096, 4096)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("READ_CHUNK_BYTES", "0", "positive integer"),
        ("COPY_THRESHOLD_BYTES", "5MiB", "positive integer"),
        ("COPY_THRESHOLD_BYTES", "-1", "positive integer"),
        ("COPY_PART_BYTES", str(S3_MAX_PART_BYTES + 1), "at most"),
    ],
)
def test_bad_sizes_are_refused(name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        Tuning.from_environment({name: value})
