"""`make test`'s time budget: when each part started, how long it took and the CPU it used,
printed at the end, failed or not.

The Makefile runs each part of `make test` through `part` (environments, lint, Terraform checks,
each pytest run, coverage), several of them side by side; `part` times it, adds up the CPU time of
what it ran, and appends a line to build/time-budget.jsonl. With --log, the part's output goes to
that file and the terminal gets one line when it starts and one when it ends (with the log's last
lines when it failed), so parts side by side do not interleave. The pytest runs add a line per
group of tests inside them (tests/support/time_budget_plugin.py: wall time from the group's first
setup to its last teardown, its CPU time and its test count). `report` prints the budget: each
part with its start and its groups beneath it; the total is wall clock from `reset` to the end
of the last part, and the CPU time of all parts beside it. A part that fails prints the budget
so far (a part with a log leaves that to the Makefile, once the parts beside it have ended).

Standard library only: it runs before any virtualenv exists (`python3 harness/time_budget.py`).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

BUDGET_PATH = Path(__file__).resolve().parents[1] / "build" / "time-budget.jsonl"
#: Set by `part` for the commands it runs: where their groups' lines go.
BUDGET_VARIABLE = "PIPESUM_TIME_BUDGET"
PART_VARIABLE = "PIPESUM_TIME_BUDGET_PART"
#: Lines of a failed part's log printed with its failure.
FAILED_LOG_LINES = 80


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


def _number(line: dict[str, object], key: str) -> float:
    return float(str(line.get(key, 0)))


def render(lines: list[dict[str, object]]) -> str:
    """The parts in the order they started (start from the reset, wall time, CPU time), each
    part's groups beneath it, then the total."""
    reset = next((_number(line, "reset") for line in lines if "reset" in line), None)
    parts = sorted(
        (line for line in lines if "part" in line and "group" not in line),
        key=lambda part: _number(part, "started"),
    )
    origin = reset if reset is not None else min((_number(p, "started") for p in parts), default=0)
    header = (
        "time budget of make test (minutes:seconds; start and took are wall clock, parts that "
        "overlap ran side by side; cpu is the CPU time of what the part ran):"
    )
    out = [header, f"  {'start':>6}  {'took':>6}  {'cpu':>6}  part"]
    for part in parts:
        status = "" if part.get("status", 0) == 0 else f"  FAILED (exit {part['status']})"
        out.append(
            f"  {_duration(_number(part, 'started') - origin):>6}  "
            f"{_duration(_number(part, 'seconds')):>6}  {_duration(_number(part, 'cpu')):>6}  "
            f"{part['part']}{status}"
        )
        out.extend(
            f"  {'':>6}  {_duration(_number(group, 'seconds')):>6}  "
            f"{_duration(_number(group, 'cpu')):>6}    {group['group']} ({group['tests']} tests)"
            for group in lines
            if group.get("part") == part["part"] and "group" in group
        )
    ended = max((_number(p, "started") + _number(p, "seconds") for p in parts), default=origin)
    cpu = sum(_number(part, "cpu") for part in parts)
    out.append(f"  {'total':>6}  {_duration(ended - origin):>6}  {_duration(cpu):>6}")
    return "\n".join(out)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _tail(path: Path, lines: int) -> str:
    text = path.read_text(encoding="utf-8", errors="replace")
    return "\n".join(text.splitlines()[-lines:])


def run_part(name: str, command: list[str], path: Path, log: Path | None = None) -> int:
    """Run `command` as the part `name`, timed; its groups go to `path` too; its output to `log`
    when given."""
    started, clock, cpu = time.time(), time.monotonic(), _children_cpu()
    environment = os.environ | {BUDGET_VARIABLE: str(path), PART_VARIABLE: name}
    if log is None:
        status = subprocess.call(command, env=environment)
    else:
        log.parent.mkdir(parents=True, exist_ok=True)
        print(f"- {name}: started (its output: {log})", flush=True)
        with log.open("wb") as output:
            status = subprocess.call(
                command, env=environment, stdout=output, stderr=subprocess.STDOUT
            )
    seconds = round(time.monotonic() - clock, 1)
    line = {"part": name, "started": started, "seconds": seconds, "status": status}
    append(line | {"cpu": round(_children_cpu() - cpu, 1)}, path)
    if log is not None:
        outcome = "passed" if status == 0 else f"FAILED (exit {status})"
        print(f"- {name}: {outcome} in {_duration(seconds)}", flush=True)
        if status != 0:
            print(f"  the last lines of {log}:\n{_tail(log, FAILED_LOG_LINES)}", flush=True)
    if status != 0 and log is None:  # parts side by side: the Makefile prints it once they end
        print(render(read(path)), file=sys.stderr)
    return status


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="harness/time_budget.py", description=__doc__)
    parser.add_argument("--budget", type=Path, default=BUDGET_PATH)
    actions = parser.add_subparsers(dest="action", required=True)
    actions.add_parser("reset", help="start a new budget")
    part = actions.add_parser("part", help="run a command as a part: part NAME -- COMMAND ...")
    part.add_argument(
        "--log", type=Path, help="write the command's output here, not to the terminal"
    )
    part.add_argument("name")
    part.add_argument("command", nargs=argparse.REMAINDER)
    actions.add_parser("report", help="print the budget")
    args = parser.parse_args(argv)
    if args.action == "reset":
        args.budget.parent.mkdir(parents=True, exist_ok=True)
        args.budget.write_text(json.dumps({"reset": time.time()}) + "\n")
        return 0
    if args.action == "part":
        command = args.command[1:] if args.command[:1] == ["--"] else args.command
        if not command:
            parser.error("part NAME -- COMMAND ...: no command given")
        return run_part(args.name, command, args.budget, args.log)
    print(render(read(args.budget)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
