"""The bench's inputs: files of a nominal size in three shapes, each with its exact sum known."""

from __future__ import annotations

import decimal
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from harness.bench.units import KIB, MIB, human

SIZES = (KIB, 64 * MIB, 512 * MIB)
#: "wide"/"mixed": a huge line 2 (fixed/varying widths); "tall": many more rows.
SHAPES = ("wide", "tall", "mixed")


@dataclass(frozen=True)
class Input:
    shape: str
    nominal: int
    path: Path
    size: int
    row_2_bytes: int
    exact_sum: str

    @property
    def label(self) -> str:
        return f"{human(self.nominal)} {self.shape}"

    def is_exact(self, total: str | None) -> bool:
        """Whether `total` is the exact sum as a number (`23186.6` is `23186.60`)."""
        try:
            return total is not None and decimal.Decimal(total) == decimal.Decimal(self.exact_sum)
        except decimal.InvalidOperation:
            return False


def generate_all(sizes: tuple[int, ...], directory: Path) -> Iterator[Input]:
    """Every shape at every size, smallest first, each written when the previous was used."""
    for nominal in sizes:
        for shape in SHAPES:
            yield generate(shape, nominal, directory)


def generate(shape: str, nominal: int, directory: Path) -> Input:
    """Write an input of about `nominal` bytes; its exact sum is known from how it was made."""
    path = directory / f"{shape}-{nominal}.txt"
    # Amounts 1000.00 to 9999.99 (wide: all 7 bytes) or 0.01 to 99999.99 (mixed: 4 to 8 bytes),
    # the same for every run (a seeded generator: not for secrets).
    low, high = (1, 10_000_000) if shape == "mixed" else (100_000, 1_000_000)
    amounts = random.Random(nominal).choices(range(low, high), k=4096)  # noqa: S311
    texts = [f"{cents // 100}.{cents % 100:02d}".encode() for cents in amounts]
    with path.open("wb") as out:
        if shape in {"wide", "mixed"}:
            fields = max(nominal // 10, 2)  # 'c|' in line 1, about 'dddd.dd|' in line 2
            full, rest = divmod(fields - 1, len(texts))
            rest += 1
            write_repeated(out, b"c|", fields - 1)
            out.write(b"c\n")
            block = b"|".join(texts) + b"|"
            for _ in range(full):
                out.write(block)
            out.write(b"|".join(texts[:rest]) + b"\n")
            cents = full * sum(amounts) + sum(amounts[:rest])
            row_2 = full * len(block) + len(b"|".join(texts[:rest]))
        else:
            head = b"sbx|dev|tst|prd|srd\n7101.25|3501.50|0862.75|4284.00|7437.10\n"
            out.write(head)
            filler = b"7101|3501|0862|4284|7437\n"
            write_repeated(out, filler, max(nominal - len(head), 0) // len(filler))
            cents = 2318660
            row_2 = len(head.split(b"\n")[1])
    return Input(
        shape=shape,
        nominal=nominal,
        path=path,
        size=path.stat().st_size,
        row_2_bytes=row_2,
        exact_sum=f"{cents // 100}.{cents % 100:02d}",
    )


def write_repeated(out: BinaryIO, unit: bytes, count: int) -> None:
    block_units = max(1, MIB // len(unit))
    full, rest = divmod(count, block_units)
    block = unit * block_units
    for _ in range(full):
        out.write(block)
    out.write(unit * rest)
