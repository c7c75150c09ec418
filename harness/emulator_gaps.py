"""docs/emulator-gaps.md from the records of the tests of each behaviour the pipeline relies on.

Every run of a test marked `@pytest.mark.behaviour(...)` appends one record to
build/behaviours/records.jsonl, whatever its result (tests/support/behaviour_plugin.py): which
behaviours, which test (and case), on which emulator, built how (as upstream ships it, or as
pipesum runs it: with its patches and its process executor), the result and the commit.

`make emulator-gaps` (`python -m harness.emulator_gaps`) renders, for each behaviour of
harness/behaviours.py and each emulator, the latest record of each of its tests: as AWS (every
test passed as pipesum runs it), as AWS with a fix (and whether the emulator as shipped still
needs it: its `upstream` reproduction passed), FAILED, or not run (and why, where declared).
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from harness.behaviours import BEHAVIOURS, EMULATORS, Behaviour
from harness.commits import (
    UNKNOWN_COMMIT,
    Freshness,
    code_fingerprint,
    current_commit,
    has_uncommitted_changes,
    short,
)
from harness.reliability import RESULTS, Result
from kit.paths import REPO_ROOT

RECORDS_PATH = REPO_ROOT / "build" / "behaviours" / "records.jsonl"
REPORT_PATH = REPO_ROOT / "docs" / "emulator-gaps.md"
PINS = {
    "ministack": ("MiniStack", REPO_ROOT / "requirements" / "emulator.txt", "ministack"),
    "localstack": (
        "LocalStack",
        REPO_ROOT / "requirements" / "localstack-core.txt",
        "localstack-core",
    ),
}

Build = Literal["as shipped", "patched"]
BUILDS: tuple[Build, ...] = ("as shipped", "patched")


@dataclass(frozen=True)
class BehaviourRun:
    """One run of one test that shows some behaviours, on one emulator built one way."""

    behaviours: tuple[str, ...]
    test: str
    case: str
    emulator: str
    build: Build
    result: Result
    commit: str
    recorded_at: str
    uncommitted_changes: bool = False
    #: harness.commits.code_fingerprint() of the code the run exercised.
    code: str = UNKNOWN_COMMIT
    failure: str = ""

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> BehaviourRun:
        data = json.loads(text)
        if data.get("result") not in RESULTS or data.get("build") not in BUILDS:
            raise ValueError(f"not a behaviour run: {text.strip()}")
        return cls(**data | {"behaviours": tuple(data["behaviours"])})

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.test, self.case, self.emulator, self.build)


def make_run(
    behaviours: Sequence[str],
    *,
    test: str,
    case: str,
    emulator: str,
    build: Build,
    result: Result,
    failure: str = "",
    now: dt.datetime | None = None,
) -> BehaviourRun:
    moment = now or dt.datetime.now(dt.UTC)
    return BehaviourRun(
        behaviours=tuple(behaviours),
        test=test,
        case=case,
        emulator=emulator,
        build=build,
        result=result,
        commit=current_commit(),
        recorded_at=moment.strftime("%Y-%m-%dT%H:%M:%SZ"),
        uncommitted_changes=has_uncommitted_changes(),
        code=code_fingerprint(),
        failure=failure,
    )


def write(run: BehaviourRun, path: Path = RECORDS_PATH) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as history:
        history.write(run.to_json() + "\n")


def latest(path: Path = RECORDS_PATH) -> list[BehaviourRun]:
    """The last run of each test case on each emulator and build."""
    if not path.exists():
        return []
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    last = {run.key: run for run in map(BehaviourRun.from_json, lines)}
    return [last[key] for key in sorted(last)]


def pinned_version(emulator: str) -> str:
    name, requirements, package = PINS[emulator]
    for line in requirements.read_text(encoding="utf-8").splitlines():
        if line.startswith(f"{package}=="):
            return f"{name} {line.split('==', 1)[1].split()[0]}"
    return f"{name} (no pin of {package} in {requirements.name})"


# --- the page -----------------------------------------------------------------------------------

INTRODUCTION = """\
# Where the emulators differ from AWS, and the fixes pipesum carries

This page is generated, all of it, by `make emulator-gaps` (`python -m harness.emulator_gaps`)
from the latest record of each test in `build/behaviours/records.jsonl`, passed or not; `make
test` writes those records and ends by rendering it. Edit `harness/behaviours.py` (the behaviours
and their fixes) or the tests, not this file.

Each row is a behaviour of AWS the pipeline relies on, with what AWS documents. Each emulator's
cell says what its tests showed:
- **as AWS**: every test of the behaviour passed on the emulator as pipesum runs it;
- **as AWS with** a fix: the same, thanks to a patch pipesum carries against the pinned version
  (applied to a copy of the package, decision [10](decisions/0010-ministack-fixed-by-patches.md))
  or to pipesum's process executor for LocalStack's Lambda (decision
  [14](decisions/0014-localstack-as-a-process.md)); "as shipped: differs" when the reproduction
  also ran on the emulator as upstream ships it and showed the defect (the day upstream fixes it,
  that case fails and says which patch to drop);
- **FAILED**: a test failed, with its first line; **not run**: no record, and why where known.

The upstream-ready write-up of each patch (reproduction, what AWS does, what the emulator does,
the fix) is in [`providers/patches/ministack/README.md`](../providers/patches/ministack/README.md)
and [`providers/patches/localstack/README.md`](../providers/patches/localstack/README.md), with the
differences the pipeline does not rely on.
"""

SHOWN_TESTS = 4


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def _test_name(run: BehaviourRun) -> str:
    return run.test.rsplit("::", 1)[-1]


def emulator_cell(behaviour: Behaviour, emulator: str, runs: Sequence[BehaviourRun]) -> str:
    """What the tests of `behaviour` showed on `emulator` (see the page's introduction)."""
    mine = [run for run in runs if run.emulator == emulator and behaviour.id in run.behaviours]
    patched = [run for run in mine if run.build == "patched"]
    shipped = [run for run in mine if run.build == "as shipped"]
    if not patched:
        reason = behaviour.not_run.get(emulator)
        return f"not run: {reason}" if reason else "**not run**"
    failed = [run for run in [*patched, *shipped] if run.result != "passed"]
    if failed:
        first = failed[0]
        where = " as shipped" if first.build == "as shipped" else ""
        return f"**{first.result}**{where} ({_test_name(first)}): {first.failure}"
    tally = f"{len(patched)} of {len(patched)} passed"
    fix = behaviour.fixes.get(emulator)
    if fix is None:
        return f"as AWS ({tally})"
    cell = f"as AWS with [{fix.title}](../{fix.path}) ({tally})"
    if shipped:
        cell += f"; as shipped: differs ({_test_name(shipped[0])})"
    return cell


def _tests_cell(behaviour: Behaviour, runs: Sequence[BehaviourRun]) -> str:
    tests = sorted({run.test for run in runs if behaviour.id in run.behaviours})
    shown = [f"`{test}`" for test in tests[:SHOWN_TESTS]]
    if len(tests) > SHOWN_TESTS:
        shown.append(f"and {len(tests) - SHOWN_TESTS} more")
    return "<br>".join(shown) or "none recorded"


def _aws_cell(behaviour: Behaviour) -> str:
    return f"{behaviour.aws} ([AWS]({behaviour.source}))"


def summary(
    behaviours: Sequence[Behaviour], runs: Sequence[BehaviourRun], freshness: Freshness
) -> str:
    """One line: the runs seen, each emulator's behaviours by verdict, and stale records."""
    parts = []
    for emulator in EMULATORS:
        cells = [emulator_cell(behaviour, emulator, runs) for behaviour in behaviours]
        as_aws = sum(cell.startswith("as AWS") for cell in cells)
        fixed = sum(cell.startswith("as AWS with") for cell in cells)
        failed = sum(cell.startswith("**") and "not run" not in cell for cell in cells)
        not_run = sum("not run" in cell for cell in cells)
        parts.append(
            f"{pinned_version(emulator)} as AWS in {as_aws} ({fixed} with a fix), "
            f"failed in {failed}, not run in {not_run}"
        )
    stale = sum(freshness.is_stale(run.code) for run in runs)
    commits = ", ".join(sorted({short(run.commit) for run in runs})) or "none"
    codes = ", ".join(f"`{code}`" for code in sorted({run.code for run in runs})) or "none"
    return (
        f"**{len(behaviours)} behaviours, {len(runs)} test runs recorded (at {commits}; code "
        f"{codes}): "
        + "; ".join(parts)
        + f"; {stale} runs stale (the code is `{freshness.code}` at {short(freshness.head)}).**"
    )


def render(
    behaviours: Sequence[Behaviour],
    runs: Sequence[BehaviourRun],
    *,
    freshness: Freshness,
    introduction: str = INTRODUCTION,
) -> str:
    header = [
        "Behaviour the pipeline relies on",
        "What AWS documents",
        *(pinned_version(emulator) for emulator in EMULATORS),
        "Tests",
    ]
    rows = [
        [
            behaviour.relied_on,
            _aws_cell(behaviour),
            *(emulator_cell(behaviour, emulator, runs) for emulator in EMULATORS),
            _tests_cell(behaviour, runs),
        ]
        for behaviour in behaviours
    ]
    lines = [
        introduction.rstrip(),
        "",
        summary(behaviours, runs, freshness),
        "",
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
        *("| " + " | ".join(_cell(cell) for cell in row) + " |" for row in rows),
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    runs = latest()
    if not runs:
        print(
            f"No behaviour records in {RECORDS_PATH.relative_to(REPO_ROOT)}: run `make test` "
            "(or one integration test file) first.",
            file=sys.stderr,
        )
        return 1
    freshness = Freshness.of_checkout()
    REPORT_PATH.write_text(render(BEHAVIOURS, runs, freshness=freshness), encoding="utf-8")
    print(f"wrote {REPORT_PATH.relative_to(REPO_ROOT)} from {len(runs)} test runs")
    print(summary(BEHAVIOURS, runs, freshness).strip("*"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
