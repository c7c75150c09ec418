"""The streaming core gives exactly what the whole-bytes reference gives, however the bytes arrive.

The reference is the transform as it was before it streamed (kit/reference_transform.py).
For any bytes and any chunking (1-byte chunks, chunks that split a CRLF, a multi-byte UTF-8
character or the BOM), SumParser must produce the same output bytes, or an InputRejected with the
same code, message, line and field. Then: its API, and its memory, which must not grow with the
length of line 1 or line 2.
"""

from __future__ import annotations

import itertools
import tracemalloc
from collections.abc import Iterable, Iterator
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kit.reference_transform import reference_append_sum
from pipesum.rejection import InputRejected
from pipesum.transform import SumParser, append_sum, format_sum
from tests.support.chunked import Outcome, streamed

LIMIT = 1 << 20
BOM = b"\xef\xbb\xbf"
DIFFERENTIAL = settings(
    max_examples=400,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def reference(original: bytes, max_bytes: int) -> Outcome:
    try:
        return reference_append_sum(original, max_bytes=max_bytes)
    except InputRejected as rejected:
        return (rejected.code.value, rejected.message, rejected.line, rejected.field)


def whole(original: bytes, max_bytes: int) -> Outcome:
    try:
        return append_sum(original, max_bytes=max_bytes)
    except InputRejected as rejected:
        return (rejected.code.value, rejected.message, rejected.line, rejected.field)


# --- generated inputs ------------------------------------------------------------------------

TOKENS = st.sampled_from(
    [
        *[b"|", b"||", b"\n", b"\r", b"\r\n", BOM, b" ", b"\t", b"  \t"],
        *[b"0", b"1", b"09", b"0862", b"7101", b"-", b"+", b".", b"1.5", b"2.25", b"-0.00"],
        *[b"a", b"x", b"e", b"_", b"\x00", b"\x0b", "\u00a0".encode(), "\u0663".encode()],
        *["é".encode(), "€".encode(), "𝄞".encode(), "ключ".encode(), "\ufeff".encode()],
        *[b"\xff", b"\xc3", b"\xe2\x82", b"\xf0\x9d\x84", b"\xed\xa0\x80", b"\xc0\xaf", b"\x80"],
        *[b"1" * 45, b" " * 45, "é".encode() * 45, b"\xff" * 45, b"9" * 50 + b".5"],
    ]
)
CHUNKINGS = st.one_of(
    st.just([1]),
    st.lists(st.integers(min_value=1, max_value=9), min_size=1, max_size=6),
    st.lists(st.integers(min_value=1, max_value=200), min_size=1, max_size=4),
)
LIMITS = st.one_of(st.just(LIMIT), st.integers(min_value=1, max_value=400))

FIELDS = st.sampled_from(
    [
        *["12", "0862", "7101", "1.50", "2.25", "0.25", "+5", "-7", "-0", " 3\t", "\t-0.00 "],
        *["99999999999999999999999", "1.5", "12.34", "00", "5"],
        *["", " ", ".5", "5.", "1.2.3", "+-1", "1 2", "1e3", "x", "NaN", "\u0661", "1\x00"],
        *["é" * 45, "1" * 60, " " * 50, "9" * 45 + "x"],
    ]
)
HEADER_FIELDS = st.sampled_from(["a", "b", "sbx", " c ", "é", "ключ", "", " ", "\t ", " " * 45])


@st.composite
def structured_files(draw: st.DrawFn) -> bytes:
    """Mostly well-formed files: a header and a data row of (sometimes bad) fields."""
    width = draw(st.integers(min_value=1, max_value=30))
    header = "|".join(draw(st.lists(HEADER_FIELDS, min_size=width, max_size=width)))
    row_width = width + draw(st.sampled_from([0, 0, 0, 0, 1, -1]))
    row = "|".join(draw(st.lists(FIELDS, min_size=max(row_width, 1), max_size=max(row_width, 1))))
    ending = draw(st.sampled_from([b"\n", b"\r\n"]))
    tail = draw(st.sampled_from([b"", b"\n", b"\r\n", b"\r", b"\nmore|rows\n", b"\n\xff\xfe\r"]))
    bom = BOM if draw(st.booleans()) else b""
    return bom + header.encode() + ending + row.encode() + tail


PERTURBATIONS = st.sampled_from(
    ["", "1", "12345678", "+12", "-12", " 12", "12 ", "1.2.3", "x", ".12", "12.", "1e2", "é"]
)


@st.composite
def fixed_width_files(draw: st.DrawFn) -> bytes:
    """Line 2 of same-width fields (digits, maybe a point at one place), a few perturbed."""
    width = draw(st.integers(min_value=1, max_value=7))
    point = draw(st.sampled_from([None, *range(1, width - 1)]))
    count = draw(st.integers(min_value=1, max_value=80))
    digits = st.text(alphabet="0123456789", min_size=width, max_size=width)
    fields = [
        field if point is None else f"{field[:point]}.{field[point + 1 :]}"
        for field in draw(st.lists(digits, min_size=count, max_size=count))
    ]
    for index in draw(st.sets(st.integers(min_value=0, max_value=count - 1), max_size=2)):
        if draw(st.booleans()):
            fields[index] = draw(PERTURBATIONS)
    header_count = count + draw(st.sampled_from([0, 0, 0, 1]))
    return ("|".join("c" * header_count) + "\n" + "|".join(fields) + "\n").encode()


INPUTS = st.one_of(
    st.binary(max_size=120),
    st.lists(TOKENS, max_size=60).map(b"".join),
    structured_files(),
    fixed_width_files(),
)


@DIFFERENTIAL
@given(INPUTS, CHUNKINGS, LIMITS)
def test_streaming_equals_the_reference_for_any_bytes_and_chunking(
    original: bytes, chunk_sizes: list[int], max_bytes: int
) -> None:
    """Same output bytes, or the same rejection (code, message, line, field), chunk by chunk."""
    assert streamed(original, max_bytes, chunk_sizes) == reference(original, max_bytes)


@DIFFERENTIAL
@given(INPUTS, LIMITS)
def test_append_sum_equals_the_reference(original: bytes, max_bytes: int) -> None:
    """append_sum, now the streaming core fed one chunk, gives what the reference gives."""
    assert whole(original, max_bytes) == reference(original, max_bytes)


@pytest.mark.parametrize(
    "original",
    [
        pytest.param(BOM + b"a|b\r\n1|2\r\n", id="bom-crlf"),
        pytest.param(b"a|b\r\n1|2\r", id="lone-cr-at-the-end"),
        pytest.param(b"a|b\r\n1|\xe2\x82\xac\r\n", id="three-byte-character"),
        pytest.param(b"a|b\n1|\xf0\x9d\x84\x9e" * 20 + b"\n", id="four-byte-characters"),
        pytest.param(b"a\xe2\x82\r\n1\n", id="truncated-character-before-crlf"),
        pytest.param(b"\xef\xbb|b\n1|2\n", id="incomplete-bom"),
        pytest.param(BOM + BOM + b"a\n1\n", id="second-bom"),
        pytest.param(b"a|b\n" + b"1" * 100 + b"|" + "é".encode() * 60 + b"\n", id="long-bad-field"),
        pytest.param(b"a||b\n1|2|\xff" + b"x" * 60 + b"\n", id="utf8-after-header-error"),
    ],
)
@pytest.mark.parametrize("chunk_bytes", [1, 2, 3, 4, 5])
def test_chunk_boundaries_inside_crlf_characters_and_the_bom(
    original: bytes, chunk_bytes: int
) -> None:
    """Small chunks cut every CRLF, character and BOM somewhere; the outcome never changes."""
    assert streamed(original, LIMIT, [chunk_bytes]) == reference(original, LIMIT)


# --- the parser's API ------------------------------------------------------------------------


def test_no_bytes_after_line_2_are_wanted() -> None:
    """feed() says False as soon as line 2 has ended; the rest of the file is never needed."""
    head = b"a|b\n1|2\n"
    parser = SumParser(size=len(head) + 1000, max_bytes=LIMIT)
    assert parser.feed(head[:5]) is True
    assert parser.feed(head[5:]) is False
    assert parser.ends_with_line_feed is None  # the end of the file was not fed
    assert parser.result().appended(ends_with_line_feed=False) == b"\n3\n"


def test_rows_end_at_the_end_of_the_file_without_a_line_break() -> None:
    """A line 2 cut by the end of the file ends there, and the file's last byte is known."""
    parser = SumParser(size=7, max_bytes=LIMIT)
    assert parser.feed(b"a|b\n1|2") is False
    assert parser.ends_with_line_feed is False
    assert parser.result().appended(ends_with_line_feed=False) == b"\n3\n"


def test_result_before_line_2_has_ended_is_an_error() -> None:
    parser = SumParser(size=100, max_bytes=LIMIT)
    parser.feed(b"a|b\n1|")
    with pytest.raises(ValueError, match="not complete"):
        parser.result()


def test_more_bytes_than_the_size_is_an_error() -> None:
    parser = SumParser(size=3, max_bytes=LIMIT)
    with pytest.raises(ValueError, match="fed 4 bytes"):
        parser.feed(b"a\n1\n")


def test_size_checks_need_no_bytes() -> None:
    """EMPTY_FILE and TOO_LARGE come from the size alone, before any byte is fed."""
    with pytest.raises(InputRejected, match="empty"):
        SumParser(size=0, max_bytes=LIMIT)
    with pytest.raises(InputRejected, match="more than the limit"):
        SumParser(size=LIMIT + 1, max_bytes=LIMIT)


def test_a_rejection_is_raised_again_by_later_calls() -> None:
    parser = SumParser(size=10, max_bytes=LIMIT)
    with pytest.raises(InputRejected) as first:
        parser.feed(b"\xff\n1\n")
    with pytest.raises(InputRejected) as again:
        parser.result()
    assert again.value is first.value


def test_a_utf8_error_is_reported_once_40_bytes_after_it_are_seen() -> None:
    """NOT_UTF8 on line 1 needs only the 41 bytes it quotes, not the rest of a long line."""
    parser = SumParser(size=10_000, max_bytes=LIMIT)
    parser.feed(b"a\xff" + b"b" * 39)
    with pytest.raises(InputRejected) as caught:
        parser.feed(b"b")
    assert caught.value.message.endswith("b'\\xff" + "b" * 39 + "'….")


# --- size and memory -------------------------------------------------------------------------

AMOUNT = b"123456789012345678901234567.89"  # 30 bytes: an int() fast path with a fixed scale


def generated_file(row_fields: int, *, block_fields: int = 20_000) -> tuple[int, Iterator[bytes]]:
    """A file of `row_fields` columns: its size, and its bytes as a stream of ~0.6 MiB chunks.

    Line 2 is '-0.5', then AMOUNT repeated, then ' 7 '; line 3 is more bytes never read.
    """
    header_block = b"c|" * block_fields
    row_block = (AMOUNT + b"|") * block_fields
    middle = row_fields - 2
    header_size = 2 * row_fields  # 'c|' per field, the last '|' replaced by the line ending
    row_size = len(b"-0.5|") + middle * (len(AMOUNT) + 1) + len(b" 7 ")
    size = header_size + row_size + 1 + len(b"never|read\n")

    def chunks() -> Iterator[bytes]:
        full, rest = divmod(row_fields - 1, block_fields)
        yield from itertools.repeat(header_block, full)
        yield b"c|" * rest + b"c\n-0.5|"
        full, rest = divmod(middle, block_fields)
        yield from itertools.repeat(row_block, full)
        yield (AMOUNT + b"|") * rest + b" 7 \n"
        yield b"never|read\n"

    return size, chunks()


def parse_stream(size: int, chunks: Iterable[bytes]) -> tuple[Decimal, int]:
    """Feed a stream until the parser is done; return the sum and the bytes fed."""
    parser = SumParser(size=size, max_bytes=size)
    fed = 0
    for chunk in chunks:
        fed += len(chunk)
        if not parser.feed(chunk):
            break
    return parser.result().total, fed


def test_a_200_mib_line_2_gets_its_exact_sum() -> None:
    """A valid file whose line 2 is 200 MiB is summed exactly, from a generated stream."""
    fields = 200 * (1 << 20) // (len(AMOUNT) + 1)
    size, chunks = generated_file(fields)
    total, fed = parse_stream(size, chunks)
    cents = int(AMOUNT.replace(b".", b"")) * (fields - 2) - 50 + 700  # exact, in integers
    assert format_sum(total) == f"{cents // 100}.{cents % 100:02d}"
    assert fed > 200 * (1 << 20)
    assert fed < size  # line 3 was not needed


def peak_traced_bytes(row_fields: int) -> int:
    size, chunks = generated_file(row_fields, block_fields=4_000)
    tracemalloc.start()
    try:
        parse_stream(size, chunks)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_length_of_lines_1_and_2() -> None:
    """Parsing a 16x longer header and data row takes no more memory (the chunk is the bound)."""
    small = peak_traced_bytes(20_000)  # line 2 about 0.6 MiB
    large = peak_traced_bytes(320_000)  # line 2 about 10 MiB, line 1 about 0.6 MiB
    assert large < small + (256 << 10)
    assert large < 4 << 20


@pytest.mark.parametrize(
    ("line", "code"),
    [
        pytest.param(1, "INVALID_HEADER", id="10-mib-blank-header"),
        pytest.param(2, "MISSING_DATA_ROW", id="10-mib-blank-line-2"),
        pytest.param(3, "INVALID_NUMBER", id="10-mib-bad-field"),
    ],
)
def test_hostile_10_mib_fields_are_rejected_in_bounded_memory(line: int, code: str) -> None:
    """A 10 MiB header of spaces, line 2 of spaces or field of letters costs no 10 MiB."""
    block = b" " * (1 << 16) if line < 3 else b"x" * (1 << 16)
    head = {1: b"", 2: b"a\n", 3: b"a|b\n1|"}[line]
    size = len(head) + 160 * len(block) + 1
    tracemalloc.start()
    try:
        parser = SumParser(size=size, max_bytes=size)
        parser.feed(head)
        for _ in range(160):
            parser.feed(block)
        with pytest.raises(InputRejected) as caught:
            parser.feed(b"\n")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert caught.value.code == code
    assert peak < 1 << 20
