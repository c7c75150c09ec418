"""pytest plugin: every run of a test of a behaviour of AWS leaves its record, passed or not.

A test is marked `@pytest.mark.behaviour("<id>", ...)` with ids of harness/behaviours.py, and
`emulator="ministack"` or `"localstack"` when it starts the emulator it is about instead of
running on `--target`. A test run on an emulator parametrized `upstream` / `patched` (the
reproductions of the patches) is recorded as built "as shipped" / "patched"; any other run is on
the emulator as pipesum runs it, "patched". After the test's teardown, `pytest_runtest_makereport`
appends the record to build/behaviours/records.jsonl (or `--behaviour-records`), which `make
emulator-gaps` renders as docs/emulator-gaps.md.
"""

from __future__ import annotations

import re
from collections.abc import Generator
from pathlib import Path

import pytest

from harness.behaviours import EMULATORS, by_id
from harness.emulator_gaps import RECORDS_PATH, Build, make_run, write
from tests.support.run_result import RunResult

MARKER = "behaviour"
_BUILDS: dict[object, Build] = {"upstream": "as shipped", "patched": "patched"}
_RUN = pytest.StashKey[RunResult]()
#: pytest-xdist's loadgroup appends "@<group>" to a test's node id.
_XDIST_GROUP = re.compile(r"@[\w-]+$")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--behaviour-records",
        type=Path,
        default=RECORDS_PATH,
        help="where the behaviour tests' records go (default: build/behaviours/records.jsonl)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(*ids, emulator=None): shows behaviours of AWS the pipeline relies on "
        "(harness/behaviours.py); every run leaves its record for docs/emulator-gaps.md",
    )


def behaviours_of(item: pytest.Item) -> tuple[tuple[str, ...], str | None]:
    """The behaviour ids the item's markers name, and the emulator it names (None: --target)."""
    known = by_id()
    names: list[str] = []
    emulator: str | None = None
    for marker in item.iter_markers(MARKER):
        unknown = [name for name in marker.args if name not in known]
        if unknown or not marker.args or set(marker.kwargs) - {"emulator"}:
            raise pytest.UsageError(
                f"{item.nodeid}: write @pytest.mark.{MARKER}(<id>, ..., emulator=...) with ids of "
                f"harness/behaviours.py; unknown: {unknown or sorted(marker.kwargs)}"
            )
        emulator = marker.kwargs.get("emulator", emulator)
        names.extend(name for name in marker.args if name not in names)
    if emulator is not None and emulator not in EMULATORS:
        raise pytest.UsageError(f"{item.nodeid}: emulator={emulator!r}, not one of {EMULATORS}")
    return tuple(names), emulator


def _build_and_case(item: pytest.Item) -> tuple[Build, str]:
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return "patched", ""
    builds = [_BUILDS[value] for value in callspec.params.values() if value in _BUILDS]
    return (builds[0] if builds else "patched"), callspec.id


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    names, emulator = behaviours_of(item)
    if not names:
        return report
    outcome = item.stash.setdefault(_RUN, RunResult())
    outcome.add(report, call)
    if report.when == "teardown":
        build, case = _build_and_case(item)
        run = make_run(
            names,
            test=_XDIST_GROUP.sub("", item.nodeid).split("[", 1)[0],
            case=case,
            emulator=emulator or str(item.config.getoption("target", default=None) or "unknown"),
            build=build,
            result=outcome.result,
            failure=outcome.failure,
        )
        write(run, item.config.getoption("behaviour_records"))
    return report
