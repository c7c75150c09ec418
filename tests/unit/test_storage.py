"""Storage: how a source is cut into copy parts (S3's part sizes and count are respected), and
reads that never take more than they asked for, whatever the store answers."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.response import StreamingBody
from botocore.stub import Stubber

from pipesum.byte_ranges import MAX_COPY_PARTS, copy_ranges
from pipesum.storage import SourceObject, Storage, UnexpectedAnswer
from pipesum.tuning import S3_MAX_PART_BYTES, S3_MIN_PART_BYTES, Tuning

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

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


# --- reads: never more than asked for, whatever the store answers -------------------------------

BUCKET = "pipesum-test-source"
KEY = "drop/large.txt"
KIB = 1 << 10
#: 300 KiB of bytes that differ from one offset to the next (a misplaced byte shows).
OBJECT = bytes(range(251)) * (300 * KIB // 251) + b"\n"
SOURCE = SourceObject(key=KEY, size=len(OBJECT), etag="abc123", version_id="v1")
TUNING = Tuning(read_chunk_bytes=128 * KIB)


class CountingStream(io.BytesIO):
    """A response body that records every read: how many bytes each asked for and got."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.asked: list[int | None] = []
        self.delivered = 0

    def read(self, size: int | None = -1, /) -> bytes:
        self.asked.append(None if size is None or size < 0 else size)
        data = super().read(size)
        self.delivered += len(data)
        return data


@dataclass
class Answer:
    stream: CountingStream
    expected_range: str


@dataclass
class FakeStore:
    """A real S3 client whose GetObject answers are queued by the test (botocore's Stubber)."""

    s3: S3Client
    stubber: Stubber
    answers: list[Answer] = field(default_factory=list)

    def storage(self) -> Storage:
        return Storage(self.s3, destination_bucket="pipesum-test-destination", tuning=TUNING)

    def answer(self, first: int, last: int, *, whole: bool) -> CountingStream:
        """Queue the answer to a GetObject of bytes first-last: the range (206), or the object."""
        body = OBJECT if whole else OBJECT[first : last + 1]
        stream = CountingStream(body)
        response: dict[str, Any] = {
            "Body": StreamingBody(stream, len(body)),
            "ContentLength": len(body),
            "ResponseMetadata": {"HTTPStatusCode": 200 if whole else 206},
        }
        if not whole:
            response["ContentRange"] = f"bytes {first}-{last}/{len(OBJECT)}"
        self.stubber.add_response("get_object", response, self._expected(first, last))
        self.answers.append(Answer(stream, f"bytes={first}-{last}"))
        return stream

    def answer_with(self, first: int, last: int, response: dict[str, Any]) -> CountingStream:
        stream = CountingStream(OBJECT[first : last + 1])
        response = {"Body": StreamingBody(stream, len(OBJECT))} | response
        self.stubber.add_response("get_object", response, self._expected(first, last))
        return stream

    @staticmethod
    def _expected(first: int, last: int) -> dict[str, str]:
        return {
            "Bucket": BUCKET,
            "Key": KEY,
            "Range": f"bytes={first}-{last}",
            "VersionId": "v1",
            "IfMatch": "abc123",
        }


@pytest.fixture
def store() -> Iterator[FakeStore]:
    s3 = boto3.session.Session(region_name="us-east-1").client(
        "s3", config=Config(signature_version=UNSIGNED)
    )
    with Stubber(s3) as stubber:
        yield FakeStore(s3, stubber)
        stubber.assert_no_pending_responses()


def assert_bounded(stream: CountingStream) -> None:
    bounds = [asked for asked in stream.asked if asked is not None]
    assert len(bounds) == len(stream.asked), "the body was read without a bound"
    assert max(bounds) <= TUNING.read_chunk_bytes


@pytest.mark.parametrize(
    ("first", "last"),
    [(0, 99), (1000, 1999), (200 * KIB, 250 * KIB), (len(OBJECT) - 1, len(OBJECT) - 1)],
)
def test_a_range_answered_with_the_whole_object_yields_exactly_the_range(
    store: FakeStore, first: int, last: int
) -> None:
    """A 200 with the whole object (MiniStack with a VersionId): the bytes asked for, no more
    read than up to them, in reads of at most read_chunk_bytes, and the body closed."""
    stream = store.answer(first, last, whole=True)

    got = store.storage().read_source_range(BUCKET, SOURCE, first, last)

    assert got == OBJECT[first : last + 1]
    assert stream.delivered == last + 1
    assert_bounded(stream)
    assert stream.closed


def test_the_last_byte_answered_with_the_whole_object_is_the_last_byte(store: FakeStore) -> None:
    """The read that tells whether a file ends with a line break gets that one byte."""
    store.answer(len(OBJECT) - 1, len(OBJECT) - 1, whole=True)

    assert store.storage().read_source_range(BUCKET, SOURCE, len(OBJECT) - 1, len(OBJECT) - 1) == (
        b"\n"
    )


def test_a_range_answered_with_the_range_is_read_as_before(store: FakeStore) -> None:
    stream = store.answer(1000, 1999, whole=False)

    assert store.storage().read_source_range(BUCKET, SOURCE, 1000, 1999) == OBJECT[1000:2000]
    assert stream.delivered == 1000
    assert_bounded(stream)
    assert stream.closed


def test_chunks_answered_with_ranges_take_one_read_each(store: FakeStore) -> None:
    """64 KiB first, then twice as much up to read_chunk_bytes: 64, 128, 108 KiB."""
    ranges = [(0, 64 * KIB - 1), (64 * KIB, 192 * KIB - 1), (192 * KIB, len(OBJECT) - 1)]
    streams = [store.answer(first, last, whole=False) for first, last in ranges]

    chunks = list(store.storage().source_chunks(BUCKET, SOURCE))

    assert [len(chunk) for chunk in chunks] == [64 * KIB, 128 * KIB, len(OBJECT) - 192 * KIB]
    assert b"".join(chunks) == OBJECT
    assert all(stream.closed for stream in streams)


def test_chunks_answered_with_the_whole_object_are_read_on_from_that_one_answer(
    store: FakeStore,
) -> None:
    """A store that ignores ranges is asked once, not once per chunk for the whole object;
    the chunks keep their sizes."""
    stream = store.answer(0, 64 * KIB - 1, whole=True)

    chunks = list(store.storage().source_chunks(BUCKET, SOURCE))

    assert [len(chunk) for chunk in chunks] == [64 * KIB, 128 * KIB, len(OBJECT) - 192 * KIB]
    assert b"".join(chunks) == OBJECT
    assert_bounded(stream)
    assert stream.closed


def test_stopping_early_reads_no_further_and_closes_the_whole_answer(store: FakeStore) -> None:
    stream = store.answer(0, 64 * KIB - 1, whole=True)
    chunks = store.storage().source_chunks(BUCKET, SOURCE)

    assert next(chunks) == OBJECT[: 64 * KIB]
    chunks.close()

    assert stream.delivered == 64 * KIB
    assert stream.closed


@pytest.mark.parametrize(
    ("response", "came_back"),
    [
        (
            {
                "ContentRange": f"bytes 0-999/{len(OBJECT)}",
                "ContentLength": 1000,
                "ResponseMetadata": {"HTTPStatusCode": 206},
            },
            f"answered 206 with Content-Range bytes 0-999/{len(OBJECT)} and 1000 bytes",
        ),
        (
            {"ContentLength": 1000, "ResponseMetadata": {"HTTPStatusCode": 200}},
            "answered 200 with Content-Range none and 1000 bytes",
        ),
    ],
)
def test_an_answer_that_is_neither_the_range_nor_the_object_is_refused(
    store: FakeStore, response: dict[str, Any], came_back: str
) -> None:
    stream = store.answer_with(1000, 1999, response)

    with pytest.raises(UnexpectedAnswer) as raised:
        store.storage().read_source_range(BUCKET, SOURCE, 1000, 1999)

    assert str(raised.value) == (
        f"GetObject of 'drop/large.txt' asked for bytes 1000-1999 of {len(OBJECT)} and was "
        f"{came_back}: neither that range nor the whole object"
    )
    assert stream.delivered == 0
    assert stream.closed


def test_a_body_that_ends_before_the_range_does_is_refused(store: FakeStore) -> None:
    """botocore checks a body against its Content-Length; without one, the read itself does."""
    store.answer_with(
        1000,
        1999,
        {
            # No Content-Length: botocore's own check of the body's length is off.
            "Body": StreamingBody(CountingStream(OBJECT[1000:1500]), None),  # type: ignore[arg-type]
            "ContentRange": f"bytes 1000-1999/{len(OBJECT)}",
            "ContentLength": 1000,
            "ResponseMetadata": {"HTTPStatusCode": 206},
        },
    )

    with pytest.raises(UnexpectedAnswer) as raised:
        store.storage().read_source_range(BUCKET, SOURCE, 1000, 1999)

    assert str(raised.value) == "the body of 'drop/large.txt' ended 500 bytes early"
