"""How the bench writes sizes, times and memory: the same way on the console and on the page."""

from __future__ import annotations

KIB, MIB = 1 << 10, 1 << 20


def human(size: int) -> str:
    for unit, factor in (("GiB", 1 << 30), ("MiB", MIB), ("KiB", KIB)):
        if size >= factor:
            value = size / factor
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{size} B"


def cell_bytes(value: int | None) -> str:
    return "—" if value is None else (human(value) if value >= KIB else f"{value} B")


def ms(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds * 1000:,.2f}"


def mib(kib: int) -> str:
    return f"{kib / KIB:,.1f}" if kib else "—"
