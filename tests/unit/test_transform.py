"""The input contract's rules, one at a time: sizes, check order, messages, exactness, endings."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from pipesum import transform
from pipesum.rejection import ErrorCode, InputRejected
from pipesum.transform import append_sum, check_size, format_sum

LIMIT = 1 << 20


def _rejection(original: bytes, *, max_bytes: int = LIMIT) -> InputRejected:
    with pytest.raises(InputRejected) as caught:
        append_sum(original, max_bytes=max_bytes)
    return caught.value


def _sum_row(original: bytes) -> bytes:
    """The row append_sum adds, without its line ending."""
    output = append_sum(original, max_bytes=LIMIT)
    return output.removeprefix(original).strip(b"\r\n")


# --- public names --------------------------------------------------------------------------


def test_public_names() -> None:
    """The module exports exactly its public functions and the streaming core's two classes."""
    assert sorted(transform.__all__) == [
        "SumParser",
        "SumRow",
        "append_sum",
        "check_size",
        "format_sum",
    ]


# --- sizes ---------------------------------------------------------------------------------


def test_check_size_accepts_up_to_the_limit() -> None:
    """A file of exactly max_bytes passes the size check."""
    check_size(1, max_bytes=1)
    check_size(100, max_bytes=100)


def test_check_size_rejects_zero_bytes_as_empty() -> None:
    """A zero-byte file is EMPTY_FILE, with no line or field."""
    with pytest.raises(InputRejected) as caught:
        check_size(0, max_bytes=10)
    assert (caught.value.code, caught.value.line, caught.value.field) == (
        ErrorCode.EMPTY_FILE,
        None,
        None,
    )


def test_check_size_rejects_over_limit_naming_both_sizes() -> None:
    """A file over max_bytes is TOO_LARGE, and the message names its size and the limit."""
    with pytest.raises(InputRejected) as caught:
        check_size(104857601, max_bytes=104857600)
    assert caught.value.code is ErrorCode.TOO_LARGE
    assert "104857601 bytes" in caught.value.message
    assert "104857600 bytes" in caught.value.message
    assert (caught.value.line, caught.value.field) == (None, None)


@pytest.mark.parametrize("max_bytes", [0, -1])
def test_check_size_refuses_a_limit_below_one(max_bytes: int) -> None:
    """A limit below 1 byte is a configuration error (ValueError), not a rejection."""
    with pytest.raises(ValueError, match="max_bytes"):
        check_size(5, max_bytes=max_bytes)


def test_append_sum_accepts_a_file_of_exactly_max_bytes() -> None:
    """append_sum accepts a file whose size equals max_bytes."""
    original = b"a|b\n1|2\n"
    assert append_sum(original, max_bytes=len(original)) == original + b"3\n"


def test_append_sum_rejects_a_file_one_byte_over() -> None:
    """append_sum rejects a file one byte over max_bytes as TOO_LARGE."""
    original = b"a|b\n1|2\n"
    assert _rejection(original, max_bytes=len(original) - 1).code is ErrorCode.TOO_LARGE


def test_bom_counts_toward_the_size() -> None:
    """The BOM is part of the file's size."""
    original = b"\xef\xbb\xbfa\n1\n"
    assert _rejection(original, max_bytes=len(original) - 1).code is ErrorCode.TOO_LARGE


def test_bom_alone_is_empty_even_when_over_limit() -> None:
    """A BOM-only file is EMPTY_FILE, which is checked before TOO_LARGE."""
    assert _rejection(b"\xef\xbb\xbf", max_bytes=2).code is ErrorCode.EMPTY_FILE


def test_bom_with_a_line_ending_is_not_empty() -> None:
    """A BOM followed by a newline is not empty: its header is blank (INVALID_HEADER)."""
    rejected = _rejection(b"\xef\xbb\xbf\n")
    assert (rejected.code, rejected.line, rejected.field) == (ErrorCode.INVALID_HEADER, 1, None)


# --- check order ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("original", "max_bytes", "code", "line", "field"),
    [
        pytest.param(b"", 1, ErrorCode.EMPTY_FILE, None, None, id="empty-before-everything"),
        pytest.param(b"\xff||\n", 2, ErrorCode.TOO_LARGE, None, None, id="size-before-utf8"),
        pytest.param(
            b"a||b\n1|\xff|3\n", LIMIT, ErrorCode.NOT_UTF8, 2, None, id="row2-utf8-before-header"
        ),
        pytest.param(b"\n\xff\n", LIMIT, ErrorCode.NOT_UTF8, 2, None, id="row2-utf8-before-blank"),
        pytest.param(b"a\xff\n\xff\n", LIMIT, ErrorCode.NOT_UTF8, 1, None, id="row1-before-row2"),
        pytest.param(b"a||b\n", LIMIT, ErrorCode.INVALID_HEADER, 1, 2, id="header-before-row2"),
        pytest.param(b" \t", LIMIT, ErrorCode.INVALID_HEADER, 1, None, id="blank-before-row2"),
        pytest.param(
            b"a|b\n1|x|2|3\n", LIMIT, ErrorCode.INVALID_NUMBER, 2, 2, id="number-before-count"
        ),
        pytest.param(b"a|b\n1|2|\n", LIMIT, ErrorCode.INVALID_NUMBER, 2, 3, id="empty-last-field"),
        pytest.param(b"a|b|c\n1|2\n", LIMIT, ErrorCode.FIELD_COUNT_MISMATCH, 2, None, id="count"),
    ],
)
def test_first_failing_check_is_reported(
    original: bytes, max_bytes: int, code: ErrorCode, line: int | None, field: int | None
) -> None:
    """When a file breaks several rules, the earliest check in contract order is reported."""
    rejected = _rejection(original, max_bytes=max_bytes)
    assert (rejected.code, rejected.line, rejected.field) == (code, line, field)


def test_leftmost_bad_number_is_reported() -> None:
    """Of several bad fields, the leftmost one is reported."""
    rejected = _rejection(b"a|b|c|d\n1|2|x|y\n")
    assert (rejected.code, rejected.field) == (ErrorCode.INVALID_NUMBER, 3)


def test_rows_after_the_second_are_never_checked() -> None:
    """A third row with invalid UTF-8, NULs and non-numbers does not stop the sum."""
    original = b"a|b\n1|2\n\xff\x00|x||\r\n\xc3\n"
    assert append_sum(original, max_bytes=LIMIT) == original + b"3\n"


# --- numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        " ",
        "1_000",
        "1,000",
        "1e3",
        "1E3",
        "0x1F",
        ".5",
        "5.",
        "NaN",
        "nan",
        "inf",
        "Infinity",
        "+-1",
        "--1",
        " - 1",
        "1 2",
        "\u0663",  # Arabic-Indic digit three
        "\uff11",  # fullwidth digit one
        "\u00b2",  # superscript two
        "\u07c1",  # NKo digit one
        "1\x00",
        "1\u00a0",  # no-break space is not padding
        "\u20031",  # em space is not padding
        "1\x0b",
        "1\x0c",
        "+",
        "-",
        ".",
        "1.2.3",
        "1.-2",
    ],
)
def test_not_a_number(text: str) -> None:
    """Only [+-]?[0-9]+(.[0-9]+)? (padded with spaces/tabs) is a number: not this text."""
    rejected = _rejection(f"a|b\n1|{text}\n".encode())
    assert (rejected.code, rejected.line, rejected.field) == (ErrorCode.INVALID_NUMBER, 2, 2)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0862", b"863"),
        ("+5", b"6"),
        ("-5", b"-4"),
        ("\t 7 \t", b"8"),
        ("0.5", b"1.5"),
        ("-0.50", b"0.50"),
        ("00000", b"1"),
    ],
)
def test_number_forms_accepted(text: str, expected: bytes) -> None:
    """Signs, leading zeros, fractions and space/tab padding are accepted (each added to 1)."""
    assert _sum_row(f"a|b\n1|{text}\n".encode()) == expected


def test_data_row_ending_in_lone_cr_at_end_of_file_is_not_a_number() -> None:
    """A lone CR is not a line end, so '2\\r' at the end of the file is a bad number."""
    rejected = _rejection(b"a|b\n1|2\r")
    assert (rejected.code, rejected.field) == (ErrorCode.INVALID_NUMBER, 2)
    assert "'2\\r'" in rejected.message


# --- exactness -----------------------------------------------------------------------------


def test_thousand_digit_integers_are_exact() -> None:
    """1000-digit integers sum exactly (the default 28-digit Decimal context would round)."""
    values = [10**999 + 1, 10**999 - 7, -(10**998) + 3]
    row = "|".join(str(value) for value in values)
    assert _sum_row(f"a|b|c\n{row}\n".encode()) == str(sum(values)).encode()
    assert Decimal(str(values[0])) + Decimal(str(values[1])) != Decimal(sum(values[:2]))


def test_thousand_digit_decimals_are_exact() -> None:
    """1000-digit numbers with fractions sum exactly, keeping every digit."""
    first = "9" * 1000 + "." + "9" * 500
    second = "0." + "0" * 499 + "1"
    expected = "1" + "0" * 1000 + "." + "0" * 500
    assert _sum_row(f"a|b\n{first}|{second}\n".encode()) == expected.encode()


def test_numbers_beyond_the_int_string_limit() -> None:
    """Integers longer than Python's 4300-digit int/str conversion limit are summed."""
    big = "7" * 10_000
    assert _sum_row(f"a|b\n{big}|{big}\n".encode()) == b"1" + b"5" * 9_999 + b"4"


def test_many_decimal_fields_do_not_drift() -> None:
    """A thousand 0.1 fields sum to exactly 100.0, where binary floating point would drift."""
    row = "|".join(["0.1"] * 1000)
    header = "|".join(f"c{i}" for i in range(1000))
    assert _sum_row(f"{header}\n{row}\n".encode()) == b"100.0"
    naive = 0.0
    for _ in range(1000):  # plain float addition (sum() compensates on Python 3.12+)
        naive += 0.1
    assert naive != 100.0


def test_fraction_digits_follow_the_longest_fraction() -> None:
    """The sum has as many fraction digits as the value with the most, trailing zeros kept."""
    assert _sum_row(b"a|b|c\n1.5|2.25|3\n") == b"6.75"
    assert _sum_row(b"a|b\n1.50|1\n") == b"2.50"
    assert _sum_row(b"a|b\n0.001|0.999\n") == b"1.000"
    assert _sum_row(b"a\n0.0000001\n") == b"0.0000001"


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (b"-0|-0", b"0"),
        (b"-0|+0", b"0"),
        (b"-5|5", b"0"),
        (b"-0.00|-0.0", b"0.00"),
        (b"-1.50|1.5", b"0.00"),
        (b"-0.001|0", b"-0.001"),
    ],
)
def test_zero_is_never_negative(row: bytes, expected: bytes) -> None:
    """A zero sum is written without a '-' sign, whatever the signs of the inputs."""
    header = b"|".join(b"c" for _ in row.split(b"|"))
    assert _sum_row(header + b"\n" + row + b"\n") == expected


@pytest.mark.parametrize("chunk_bytes", [1, 2, 5, 7, 1 << 20])
def test_summing_in_chunks_gives_the_same_total(chunk_bytes: int) -> None:
    """The row is summed as its chunks arrive; any chunk size gives the same sum."""
    row = b"1|22|-3.5|  4\t|0.25|999999999999999999999999999999|-7"
    original = b"a|b|c|d|e|f|g\n" + row + b"\n"
    parser = transform.SumParser(size=len(original), max_bytes=LIMIT)
    for start in range(0, len(original), chunk_bytes):
        parser.feed(original[start : start + chunk_bytes])
    assert format_sum(parser.result().total) == "1000000000000000000000000000015.75"


# --- format_sum ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "expected"),
    [
        (Decimal("3.75"), "3.75"),
        (Decimal("2.50"), "2.50"),
        (Decimal("-7"), "-7"),
        (Decimal("-0"), "0"),
        (Decimal("-0.00"), "0.00"),
        (Decimal("1E+3"), "1000"),
        (Decimal("1E-7"), "0.0000001"),
        (Decimal("-12345678901234567890123456789012345"), "-12345678901234567890123456789012345"),
    ],
)
def test_format_sum(total: Decimal, expected: str) -> None:
    """format_sum writes plain notation, keeps fraction digits and never writes '-0'."""
    assert format_sum(total) == expected


@pytest.mark.parametrize("total", [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")])
def test_format_sum_refuses_non_finite(total: Decimal) -> None:
    """format_sum refuses NaN and infinities with ValueError."""
    with pytest.raises(ValueError, match="non-finite"):
        format_sum(total)


# --- line endings and output shape ---------------------------------------------------------


@pytest.mark.parametrize(
    ("original", "added"),
    [
        pytest.param(b"a\n1\n", b"1\n", id="lf"),
        pytest.param(b"a\n1", b"\n1\n", id="lf-no-final-newline"),
        pytest.param(b"a\r\n1\r\n", b"1\r\n", id="crlf"),
        pytest.param(b"a\r\n1", b"\r\n1\r\n", id="crlf-no-final-newline"),
        pytest.param(b"a\r\n1\n", b"1\r\n", id="crlf-first-lf-last"),
        pytest.param(b"a\n1\r\n", b"1\n", id="lf-first-crlf-last"),
        pytest.param(b"a\n1\nz\r", b"\n1\n", id="lone-cr-at-end-lf"),
        pytest.param(b"a\r\n1\r\nz\r", b"\r\n1\r\n", id="lone-cr-at-end-crlf"),
        pytest.param(b"a\n1\n\n", b"1\n", id="blank-last-line"),
        pytest.param(b"a\r\n1\r\nz", b"\r\n1\r\n", id="third-row-no-final-newline"),
    ],
)
def test_output_is_original_then_line_end_if_missing_then_sum(
    original: bytes, added: bytes
) -> None:
    """The original is kept; a line end is added if missing; the sum row ends like line 1."""
    assert append_sum(original, max_bytes=LIMIT) == original + added


def test_bom_is_kept_and_ignored() -> None:
    """A leading BOM stays in the output but is not part of the first header name."""
    original = b"\xef\xbb\xbf  a\t|b\n1|2\n"
    assert append_sum(original, max_bytes=LIMIT) == original + b"3\n"


def test_blank_header_after_bom_reports_the_header() -> None:
    """A BOM followed by only spaces is a blank header, not an empty file."""
    rejected = _rejection(b"\xef\xbb\xbf  \n1\n")
    assert (rejected.code, rejected.field) == (ErrorCode.INVALID_HEADER, None)


def test_lone_cr_does_not_end_line_one() -> None:
    """A file using only CR as line ending is one line: it has no data row."""
    rejected = _rejection(b"a|b\r1|2\r3|4\r")
    assert (rejected.code, rejected.line) == (ErrorCode.MISSING_DATA_ROW, 2)


# --- messages ------------------------------------------------------------------------------


def test_long_bad_number_is_quoted_to_forty_characters() -> None:
    """A long bad field is quoted as its first 40 characters followed by an ellipsis."""
    field = "1234567890" * 5 + "x"
    message = _rejection(f"a|b\n1|{field}\n".encode()).message
    assert f"'{field[:40]}'…" in message
    assert field[:41] not in message


def test_forty_character_field_is_quoted_whole() -> None:
    """A bad field of exactly 40 characters is quoted whole, with no ellipsis."""
    field = "x" * 40
    message = _rejection(f"a|b\n1|{field}\n".encode()).message
    assert f"'{field}'" in message
    assert "…" not in message


def test_control_characters_are_escaped_in_messages() -> None:
    """NULs, CRs and tabs in quoted text are shown escaped, never raw."""
    message = _rejection(b"a|b\n1|\t2\x00\r\x1b|3\n").message
    assert "'\\t2\\x00\\r\\x1b'" in message
    assert not any(ord(char) < 0x20 for char in message)


def test_escaping_happens_after_cutting_to_forty_characters() -> None:
    """The 40-character limit counts characters of the text, not of its escaped form."""
    field = "\x00" * 50
    message = _rejection(f"a|b\n1|{field}\n".encode()).message
    assert "'" + "\\x00" * 40 + "'…" in message


def test_invalid_number_message_names_line_field_and_text() -> None:
    """The INVALID_NUMBER message names the line, the field and the bad text."""
    message = _rejection(b"a|b|c\n1|2|1e3\n").message
    assert message.startswith("Field 3 on line 2 is not a number")
    assert "'1e3'" in message


def test_invalid_header_message_names_the_field() -> None:
    """The INVALID_HEADER message names the empty field and shows its padding."""
    rejected = _rejection(b"a| \t|c\n1|2|3\n")
    assert rejected.message.startswith("Field 2 of the header on line 1 is empty")
    assert "' \\t'" in rejected.message


def test_field_count_message_names_both_counts() -> None:
    """The FIELD_COUNT_MISMATCH message gives the data row's and the header's field counts."""
    message = _rejection(b"a|b|c\n1|2\n").message
    assert "Line 2 has 2 fields" in message
    assert "has 3 fields" in message
    assert "Line 2 has 1 field but" in _rejection(b"a|b\n1\n").message


def test_not_utf8_message_shows_the_bad_bytes_and_position() -> None:
    """The NOT_UTF8 message names the line, the byte position and the undecodable bytes."""
    rejected = _rejection(b"a|b\n12|\xff\xfeabc\n")
    assert (rejected.code, rejected.line, rejected.field) == (ErrorCode.NOT_UTF8, 2, None)
    assert "Line 2 is not valid UTF-8" in rejected.message
    assert "byte 4 of the line" in rejected.message
    assert "b'\\xff\\xfeabc'" in rejected.message


def test_not_utf8_position_counts_the_bom() -> None:
    """On line 1 the byte position counts from the start of the file, BOM included."""
    assert "byte 5 of the line" in _rejection(b"\xef\xbb\xbfa\xff\n1\n").message


def test_not_utf8_quote_is_cut_to_forty_bytes() -> None:
    """The undecodable bytes are quoted up to 40 bytes, then an ellipsis."""
    message = _rejection(b"a\n" + b"\xff" * 100 + b"\n").message
    assert repr(b"\xff" * 40) + "…" in message


@pytest.mark.parametrize(
    "original",
    [
        b"",
        b"\xef\xbb\xbf",
        b"a\xff\n1\n",
        b"\n1\n",
        b"a||b\n",
        b"a\n",
        b"a\n \n",
        b"a\n" + b"9" * 1000 + b"x\n",
        b"a\n\x00" * 3,
        b"a|b|c\n1|2\n",
    ],
)
def test_messages_are_short_printable_sentences(original: bytes) -> None:
    """Every message is one printable sentence of bounded length, ending with a full stop."""
    message = _rejection(original).message
    assert message.endswith(".")
    assert message[0].isupper()
    assert message.isprintable()
    assert len(message) < 300


# --- performance ---------------------------------------------------------------------------


def test_large_data_row_is_linear() -> None:
    """A 10 MiB data row of a million fields is processed in well under the time limit."""
    fields = 1_000_000
    original = ("|".join(["c"] * fields) + "\n" + "|".join(["-1234.56"] * fields) + "\n").encode()
    start = time.perf_counter()
    output = append_sum(original, max_bytes=len(original))
    assert time.perf_counter() - start < 10  # generous: quadratic work would take minutes
    assert output == original + b"-1234560000.00\n"


def test_one_ten_million_digit_number_is_linear() -> None:
    """A single 10-million-digit number is summed quickly (no quadratic int conversion)."""
    original = b"n\n" + b"9" * 10_000_000 + b"\n"
    start = time.perf_counter()
    output = append_sum(original, max_bytes=len(original))
    assert time.perf_counter() - start < 10  # generous: quadratic work would take minutes
    assert output == original + b"9" * 10_000_000 + b"\n"
