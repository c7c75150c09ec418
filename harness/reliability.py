"""docs/reliability.md from what the reliability tests and `make soak` last observed.

Each scenario leaves one record (build/reliability/<id>.json) when it passes; `render()` turns
the records into the report's table. `make test` and `make soak` write records;
`python -m harness.reliability`, which `make soak` ends with, rewrites the document.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
RECORDS_DIR = REPO_ROOT / "build" / "reliability"
REPORT_PATH = REPO_ROOT / "docs" / "reliability.md"


@dataclass(frozen=True)
class Record:
    """What a scenario did, what it saw, its figures; `lost` counts items not accounted for."""

    id: str
    scenario: str
    done: str
    observed: str
    command: str
    lost: int = 0
    figures: dict[str, str] = field(default_factory=dict)
    recorded_at: str = ""


def record(
    id: str,  # noqa: A002  (the record's identifier, as in the JSON)
    *,
    scenario: str,
    done: str,
    observed: str,
    command: str = "make test",
    lost: int = 0,
    figures: dict[str, str] | None = None,
    directory: Path = RECORDS_DIR,
) -> Path:
    """Write the record of a scenario that just ran, replacing its previous one."""
    directory.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    entry = Record(id, scenario, done, observed, command, lost, dict(figures or {}), now)
    path = directory / f"{id}.json"
    path.write_text(json.dumps(asdict(entry), indent=2, sort_keys=True) + "\n")
    return path


def load(directory: Path = RECORDS_DIR) -> list[Record]:
    return [Record(**json.loads(path.read_text())) for path in sorted(directory.glob("*.json"))]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def render(records: list[Record], *, preamble: str) -> str:
    lines = [
        preamble.rstrip(),
        "",
        "| " + " | ".join(COLUMNS) + " |",
        "|---|---|---|---|---:|---|---|",
    ]
    for entry in records:
        figures = "<br>".join(f"{name}: {value}" for name, value in entry.figures.items())
        lines.append(
            "| "
            + " | ".join(
                [
                    _cell(entry.scenario),
                    _cell(entry.done),
                    _cell(entry.observed),
                    _cell(figures),
                    str(entry.lost),
                    f"`{entry.command}`",
                    entry.recorded_at,
                ]
            )
            + " |"
        )
    total_lost = sum(entry.lost for entry in records)
    lines += ["", f"**{len(records)} scenarios, items lost in total: {total_lost}.**", ""]
    return "\n".join(lines)


COLUMNS = (
    "Scenario",
    "What was done",
    "What was observed",
    "Figures",
    "Items lost",
    "Command",
    "Recorded",
)
PREAMBLE_END = "<!-- BEGIN RELIABILITY TABLE -->"


def main() -> int:
    records = load()
    if not records:
        print(
            f"No reliability records in {RECORDS_DIR}: run `make test` and `make soak` first.",
            file=sys.stderr,
        )
        return 1
    text = REPORT_PATH.read_text()
    preamble = text.split(PREAMBLE_END, 1)[0] + PREAMBLE_END
    REPORT_PATH.write_text(render(records, preamble=preamble))
    print(f"wrote {REPORT_PATH.relative_to(REPO_ROOT)} from {len(records)} records")
    return 0


if __name__ == "__main__":
    sys.exit(main())
