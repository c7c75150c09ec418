"""`make test`'s time budget: how long each part took, printed at the end, failed or not.

The Makefile runs each part of `make test` through `part` (environments, lint, Terraform checks,
each pytest run, coverage), which times it and appends a line to build/time-budget.jsonl; the
pytest runs add a line per group of tests inside them (tests/support/time_budget_plugin.py: wall
time from the group's first setup to its last teardown, and its test count). `report` prints the
budget: each part, its groups beneath it, and the total. A part that fails prints the budget so
far before make stops.

Standard library only: it runs before any virtualenv exists (`python3 harness/time_budget.py`).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

BUDGET_PATH = Path(__file__).resolve().parents[1] / "build" / "time-budget.jsonl"
#: Set by `part` for the commands it runs: where their groups' lines go.
BUDGET_VARIABLE = "PIPESUM_TIME_BUDGET"
PART_VARIABLE = "PIPESUM_TIME_BUDGET_PART"


def append(line: dict[str, object], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as budget:
        budget.write(json.dumps(line) + "\n")


def read(path: Path) -> list[dict[str, object]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _duration(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}:{rest:02d}"


def render(lines: list[dict[str, object]]) -> str:
    """The parts in the order they ran, each part's groups beneath it, then the total."""
    parts = [line for line in lines if "group" not in line]
    total = sum(float(str(part["seconds"])) for part in parts)
    out = ["time budget of make test (minutes:seconds, wall clock):"]
    for part in parts:
        seconds = float(str(part["seconds"]))
        share = f"{100 * seconds / total:3.0f}%" if total else "  -"
        status = "" if part.get("status", 0) == 0 else f"  FAILED (exit {part['status']})"
        out.append(f"  {_duration(seconds):>6}  {share}  {part['part']}{status}")
        for group in (
            line for line in lines if line.get("part") == part["part"] and "group" in line
        ):
            count = f"{group['tests']} tests"
            out.append(
                f"  {'':>6}        {_duration(float(str(group['seconds']))):>6}  "
                f"{group['group']} ({count})"
            )
    out.append(f"  {_duration(total):>6}  100%  total")
    return "\n".join(out)


def run_part(name: str, command: list[str], path: Path) -> int:
    """Run `command` as the part `name`, timed; its groups go to `path` too."""
    started = time.monotonic()
    environment = os.environ | {BUDGET_VARIABLE: str(path), PART_VARIABLE: name}
    status = subprocess.call(command, env=environment)
    append({"part": name, "seconds": round(time.monotonic() - started, 1), "status": status}, path)
    if status != 0:
        print(render(read(path)), file=sys.stderr)
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="harness/time_budget.py", description=__doc__)
    parser.add_argument("--budget", type=Path, default=BUDGET_PATH)
    actions = parser.add_subparsers(dest="action", required=True)
    actions.add_parser("reset", help="start a new budget")
    part = actions.add_parser("part", help="run a command as a part: part NAME -- COMMAND ...")
    part.add_argument("name")
    part.add_argument("command", nargs=argparse.REMAINDER)
    actions.add_parser("report", help="print the budget")
    args = parser.parse_args(argv)
    if args.action == "reset":
        args.budget.parent.mkdir(parents=True, exist_ok=True)
        args.budget.write_text("")
        return 0
    if args.action == "part":
        command = args.command[1:] if args.command[:1] == ["--"] else args.command
        if not command:
            parser.error("part NAME -- COMMAND ...: no command given")
        return run_part(args.name, command, args.budget)
    print(render(read(args.budget)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
