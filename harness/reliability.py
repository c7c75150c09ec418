"""docs/reliability.md from the latest record of every reliability scenario, passed or not.

Every run of a scenario appends one record to build/reliability/<id>.jsonl, whatever its result:
the integration tests through tests/support/reliability_plugin.py (a pytest hook, after the test
has run), `make soak` through `write()`. A record carries the result, the commit and target it ran
at, what was done, what the test asserts, the figures it measured and, where items were dropped,
its books: what was dropped against what the destination and the failure queues hold.

`make reliability` (`python -m harness.reliability`) renders the latest record of each scenario
on each target; rows recorded at another commit than HEAD are marked stale, and the summary line
counts failed and stale rows and the items lost.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

from harness.commits import (
    UNKNOWN_COMMIT,
    Freshness,
    code_fingerprint,
    current_commit,
    has_uncommitted_changes,
    short,
)
from kit.paths import REPO_ROOT

RECORDS_DIR = REPO_ROOT / "build" / "reliability"
REPORT_PATH = REPO_ROOT / "docs" / "reliability.md"

Result = Literal["passed", "FAILED", "error", "skipped"]
RESULTS: tuple[Result, ...] = ("passed", "FAILED", "error", "skipped")


@dataclass(frozen=True)
class Scenario:
    """A scenario as its test declares it: what it does and what it asserts, nothing measured."""

    id: str
    title: str
    done: str
    asserts: str
    command: str = "make test"
    #: Where it runs when not on the target the tests were given (an emulator of its own).
    target: str | None = None


@dataclass(frozen=True)
class Books:
    """What was dropped against what the destination and the failure queues hold.

    `missing`: dropped items with neither an output nor a rejection report; `wrong`: items whose
    outcome is not the expected one; `duplicated`: items whose outcome was written more than once
    (None: not counted). An item missing while a failure-queue message can stand for it is not
    lost; the rest of the missing are.
    """

    dropped: int
    outcomes: int
    failure_messages: int
    missing: tuple[str, ...] = ()
    wrong: tuple[str, ...] = ()
    duplicated: tuple[str, ...] | None = None

    @property
    def lost(self) -> int:
        return max(0, len(self.missing) - self.failure_messages)

    def figures(self) -> dict[str, str]:
        counted = {
            "dropped": self.dropped,
            "outcomes in the destination": self.outcomes,
            "failure-queue messages": self.failure_messages,
            "missing": len(self.missing),
            "wrong": len(self.wrong),
        }
        figures = {name: str(value) for name, value in counted.items()}
        figures["duplicated"] = (
            "not counted" if self.duplicated is None else str(len(self.duplicated))
        )
        return figures


def account(
    expected: Mapping[str, object],
    found: Mapping[str, object],
    *,
    failure_messages: int,
    writes: Mapping[str, int] | None = None,
) -> Books:
    """The books of dropped items (key -> expected outcome) against what was found (key ->
    outcome; absent: none) and how many times each was written (None: not counted)."""
    keys = sorted(expected)
    return Books(
        dropped=len(keys),
        outcomes=sum(key in found for key in keys),
        failure_messages=failure_messages,
        missing=tuple(key for key in keys if key not in found),
        wrong=tuple(key for key in keys if key in found and found[key] != expected[key]),
        duplicated=None if writes is None else tuple(key for key in keys if writes.get(key, 0) > 1),
    )


@dataclass(frozen=True)
class Record:
    """One run of a scenario: its result, where and at which commit it ran, what it measured."""

    id: str
    title: str
    result: Result
    done: str
    asserts: str
    command: str
    commit: str
    target: str
    recorded_at: str
    uncommitted_changes: bool = False
    #: harness.commits.code_fingerprint() of the code the run exercised.
    code: str = UNKNOWN_COMMIT
    failure: str = ""
    figures: dict[str, str] = field(default_factory=dict)
    books: Books | None = None

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> Record:
        data = json.loads(text)
        books = data.pop("books", None)
        if books is not None:
            duplicated = books.pop("duplicated")
            books = Books(
                **books
                | {
                    "missing": tuple(books["missing"]),
                    "wrong": tuple(books["wrong"]),
                    "duplicated": None if duplicated is None else tuple(duplicated),
                }
            )
        if data.get("result") not in RESULTS:
            raise ValueError(f"unknown result {data.get('result')!r}: expected one of {RESULTS}")
        return cls(**data, books=books)

    @property
    def lost(self) -> int | None:
        return None if self.books is None else self.books.lost


def make_record(
    scenario: Scenario,
    result: Result,
    *,
    target: str,
    failure: str = "",
    figures: Mapping[str, str] | None = None,
    books: Books | None = None,
    now: dt.datetime | None = None,
) -> Record:
    """The record of a run that just ended, at the checkout's commit."""
    moment = now or dt.datetime.now(dt.UTC)
    return Record(
        id=scenario.id,
        title=scenario.title,
        result=result,
        done=scenario.done,
        asserts=scenario.asserts,
        command=scenario.command,
        commit=current_commit(),
        uncommitted_changes=has_uncommitted_changes(),
        code=code_fingerprint(),
        target=scenario.target or target,
        recorded_at=moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        failure=failure,
        figures=dict(figures or {}),
        books=books,
    )


def write(record: Record, directory: Path = RECORDS_DIR) -> Path:
    """Append the record to its scenario's history (<id>.jsonl): every run is kept."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{record.id}.jsonl"
    with path.open("a", encoding="utf-8") as history:
        history.write(record.to_json() + "\n")
    return path


def latest(directory: Path = RECORDS_DIR) -> list[Record]:
    """The last record of each scenario on each target it ran on (`make test` runs the suite on
    MiniStack and on LocalStack), ordered by scenario id, then target."""
    records: list[Record] = []
    for path in sorted(directory.glob("*.jsonl")):
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        last = {record.target: record for record in map(Record.from_json, lines)}
        records.extend(last[target] for target in sorted(last))
    return records


# --- the document -------------------------------------------------------------------------------

INTRODUCTION = """\
# Reliability and security: what was tried, what was seen

This page is generated, all of it, by `make reliability` (`python -m harness.reliability`) from
the latest record of each scenario on each target in `build/reliability/`; edit
`harness/reliability.py`, not this file. Every run of a scenario leaves a record whatever its
result: the integration tests through a pytest hook after each test has run (`make test`, or one
test file), the soak through `make soak`, which ends by rendering this page.

- **Result**: passed, FAILED (an assertion did not hold: the message follows), error (the
  scenario could not be set up or torn down), skipped.
- **What the test asserts** holds for a passed row only: it is what the test checks, not what a
  failed run saw.
- **Figures** are measured by the run, failed or not: the counts of what was dropped, found in
  the destination bucket, left in the failure queues, missing, wrong and written more than once
  come from reading the bucket and the queues before anything is asserted.
- **Items lost**: dropped items with no outcome that no failure-queue message stands for;
  "not counted" where the scenario drops nothing or did not reach its accounting.
- **Commit**: the commit the record was made at ("+ changes" when tracked code differed from
  it) and the fingerprint of the code the run exercised (function/, terraform/, providers/,
  harness/, kit/, tests/integration/, tests/support/, requirements/ as they were in the working
  tree); "stale" when this page was rendered from code with another fingerprint: the record may
  no longer hold for it.

The Target column says where each scenario ran; the README's "Targets" section says where the
emulator behaves differently from AWS.
"""

COLUMNS = (
    "Scenario",
    "Result",
    "What was done",
    "What the test asserts",
    "Figures",
    "Items lost",
    "Command",
    "Target",
    "Commit",
    "Recorded",
)
ALIGNMENT = ("---", "---", "---", "---", "---", "---:", "---", "---", "---", "---")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def _result_cell(record: Record) -> str:
    shown = f"**{record.result}**" if record.result != "passed" else record.result
    return f"{shown}: {record.failure}" if record.failure else shown


def _commit_cell(record: Record, freshness: Freshness) -> str:
    cell = f"`{short(record.commit)}`"
    if record.uncommitted_changes:
        cell += " + changes"
    cell += f", code `{record.code}`"
    if freshness.is_stale(record.code):
        cell += " **stale**"
    return cell


def _figures_cell(record: Record) -> str:
    figures = dict(record.figures)
    if record.books is not None:
        figures |= record.books.figures()
    return "<br>".join(f"{name}: {value}" for name, value in figures.items())


def row(record: Record, freshness: Freshness) -> str:
    lost = "not counted" if record.lost is None else str(record.lost)
    cells = [
        _cell(record.title),
        _cell(_result_cell(record)),
        _cell(record.done),
        _cell(record.asserts),
        _cell(_figures_cell(record)),
        lost,
        f"`{record.command}`",
        record.target,
        _commit_cell(record, freshness),
        record.recorded_at,
    ]
    return "| " + " | ".join(cells) + " |"


def _count(number: int, thing: str) -> str:
    return f"{number} {thing}" if number == 1 else f"{number} {thing}s"


def summary(records: Iterable[Record], freshness: Freshness) -> str:
    """One line: scenarios by result, stale ones, and the items lost and missing where counted."""
    records = list(records)
    by_result = {result: sum(r.result == result for r in records) for result in RESULTS}
    results = ", ".join(f"{count} {result}" for result, count in by_result.items() if count)
    stale = sum(freshness.is_stale(record.code) for record in records)
    counted = [record.books for record in records if record.books is not None]
    lost = sum(books.lost for books in counted)
    missing = sum(len(books.missing) for books in counted)
    not_counted = len(records) - len(counted)
    scenarios = _count(len({record.id for record in records}), "scenario")
    if len(records) != len({record.id for record in records}):
        scenarios += f" in {len(records)} rows (one a target)"
    return (
        f"**{scenarios}: {results or 'none recorded'}; "
        f"{stale} stale (the code is `{freshness.code}` at {short(freshness.head)}); "
        f"items lost: {lost}, missing from the destination: {missing} "
        f"(counted in {_count(len(counted), 'scenario')}"
        + (f"; not counted in {not_counted}" if not_counted else "")
        + ").**"
    )


def render(records: list[Record], *, freshness: Freshness, introduction: str = INTRODUCTION) -> str:
    lines = [
        introduction.rstrip(),
        "",
        summary(records, freshness),
        "",
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "|".join(ALIGNMENT) + "|",
        *(row(record, freshness) for record in records),
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    records = latest()
    if not records:
        print(
            f"No reliability records in {RECORDS_DIR}: run `make test` (or one integration test "
            "file) or `make soak` first.",
            file=sys.stderr,
        )
        return 1
    freshness = Freshness.of_checkout()
    REPORT_PATH.write_text(render(records, freshness=freshness), encoding="utf-8")
    print(f"wrote {REPORT_PATH.relative_to(REPO_ROOT)} from {len(records)} records")
    print(summary(records, freshness).strip("*"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
