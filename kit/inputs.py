"""Generated input files and the outcome each must end in: valid files with varied numbers and
their expected output bytes, and rejected files taken from the corpus with their expected error.

The expected output of a valid file is a plain Decimal sum computed here, not by the function's
transform, written as the contract says (kit/written_sum.py), not by the function either.
"""

from __future__ import annotations

import decimal
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from kit.corpus import DEFAULT_MAX_BYTES, CorpusCase, load_corpus
from kit.written_sum import written_sum

INVALID_SHARE = 0.25
SEED = 7
#: Files per sub-prefix of a run, so that a poll can list only the sub-prefixes still waiting.
BATCH_SIZE = 100


@dataclass(frozen=True)
class PlannedFile:
    """One file of a run: its key, its bytes, and the outcome it must end in."""

    key: str
    body: bytes
    case: str  # "valid", or the name of the rejected corpus case it was taken from
    expected_output: bytes | None = None  # None: the file must be rejected
    error_code: str | None = None
    error_line: int | None = None
    error_field: int | None = None

    @property
    def rejected(self) -> bool:
        return self.expected_output is None


def valid_file(index: int, rng: random.Random) -> tuple[bytes, bytes]:
    """A valid input whose numbers differ from file to file, and its expected output bytes.

    The first number is the file's index, so two files never share a sum by construction of
    their first field alone; the rest vary in count, sign, scale, padding and line ending. The
    expected bytes are a plain Decimal sum, computed here without the function's transform.
    """
    columns = rng.randint(1, 8)
    numbers = [str(index)]
    for _ in range(columns - 1):
        whole = rng.randint(0, 10 ** rng.randint(1, 12))
        scale = rng.choice((0, 0, 1, 2, 3))
        text = str(whole) if scale == 0 else f"{whole}.{rng.randrange(10**scale):0{scale}d}"
        sign = rng.choice(("", "", "-", "+"))
        pad = rng.choice(("", "", " "))
        numbers.append(f"{pad}{sign}{text}{pad}")
    ending = rng.choice(("\n", "\n", "\r\n"))
    header = "|".join(f"c{column}" for column in range(1, columns + 1))
    extra = rng.choice(("", "", f"kept as is|{index}{ending}"))
    body = f"{header}{ending}{'|'.join(numbers)}{ending}{extra}"
    with decimal.localcontext(prec=200):
        total = sum((Decimal(number) for number in numbers), Decimal(0))
    expected = f"{body}{written_sum(total)}{ending}"
    return body.encode("ascii"), expected.encode("ascii")


def batch_prefix(run_prefix: str, index: int) -> str:
    return f"{run_prefix}/{index // BATCH_SIZE:03d}/"


def file_key(run_prefix: str, index: int) -> str:
    return f"{batch_prefix(run_prefix, index)}{index:05d}.txt"


def file_index(key: str) -> int:
    """The index `file_key` made `key` from."""
    return int(key.rsplit("/", 1)[1].split(".", 1)[0])


def plan_files(
    count: int,
    *,
    run_prefix: str,
    rejected_cases: Sequence[CorpusCase],
    invalid_share: float = INVALID_SHARE,
    seed: int = SEED,
) -> list[PlannedFile]:
    """`count` files: round(count * invalid_share) rejected ones, shuffled among valid ones.

    The rejected ones cycle through `rejected_cases` (which must all be rejected cases).
    Deterministic for a given seed.
    """
    if any(not case.rejected for case in rejected_cases):
        raise ValueError("rejected_cases holds a case the pipeline must accept")
    invalid = round(count * invalid_share)
    if invalid and not rejected_cases:
        raise ValueError("invalid files are wanted but no rejected corpus case is given")
    rng = random.Random(seed)  # noqa: S311  (test data, not secrets)
    flags = [True] * invalid + [False] * (count - invalid)
    rng.shuffle(flags)
    cases = itertools.cycle(rejected_cases)
    planned: list[PlannedFile] = []
    for index, is_invalid in enumerate(flags):
        key = file_key(run_prefix, index)
        if is_invalid:
            case = next(cases)
            planned.append(
                PlannedFile(
                    key,
                    case.input_bytes,
                    case.name,
                    error_code=case.error_code,
                    error_line=case.error_line,
                    error_field=case.error_field,
                )
            )
        else:
            body, expected = valid_file(index, rng)
            planned.append(PlannedFile(key, body, "valid", expected_output=expected))
    return planned


def rejected_cases() -> list[CorpusCase]:
    """The corpus's rejected cases that hold under the stack's default size limit."""
    return [case for case in load_corpus() if case.rejected and case.max_bytes == DEFAULT_MAX_BYTES]
