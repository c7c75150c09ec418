"""The test-only fault hook: inert unless PIPESUM_FAULT names it, exact about where it fires."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipesum.faults import ANNOUNCE_VARIABLE, FAULT_VARIABLE, Fault, FaultSpecError, inject


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("kill@part-copied", Fault("kill", "part-copied")),
        ("hang@put", Fault("hang", "put")),
        ("delay:2.5@read#abc123", Fault("delay", "read", 2.5, "abc123")),
    ],
)
def test_a_fault_names_an_action_a_point_and_maybe_an_etag(spec: str, expected: Fault) -> None:
    assert Fault.parse(spec) == expected


@pytest.mark.parametrize(
    "spec", ["kill", "kill@nowhere", "explode@put", "delay@put", "kill:3@put", "delay:x@put"]
)
def test_a_fault_that_names_nothing_known_is_an_error(spec: str) -> None:
    with pytest.raises(FaultSpecError, match=FAULT_VARIABLE):
        Fault.parse(spec)


def inject_in_a_process(point: str, etag: str, environ: dict[str, str]) -> Survival:
    """inject() in a child process: a hook firing wrongly kills or hangs the child, not pytest."""
    code = (
        "import pipesum.handler\n"  # sets up the function's JSON log lines, as in Lambda
        "from pipesum.faults import inject\n"
        f"inject({point!r}, etag={etag!r}, environ={environ!r})\n"
        "print('survived')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": "function"},
        timeout=60,
    )
    return Survival(done.returncode, done.stdout, done.stderr)


@dataclass(frozen=True)
class Survival:
    returncode: int
    stdout: str
    stderr: str


def test_without_the_variable_the_hook_does_nothing() -> None:
    survival = inject_in_a_process("put", "e", {})
    assert survival == Survival(0, "survived\n", "")


@pytest.mark.parametrize(
    "spec", ["kill@part-copied", "kill@read", "kill@put#other", "hang@part-copied"]
)
def test_a_fault_for_another_point_or_object_does_nothing(spec: str) -> None:
    survival = inject_in_a_process("put", "e", {FAULT_VARIABLE: spec})
    assert survival == Survival(0, "survived\n", "")


def test_delay_waits_about_the_time_it_names() -> None:
    started = time.monotonic()
    inject("read", etag=None, environ={FAULT_VARIABLE: "delay:0.2@read"})
    assert time.monotonic() - started >= 0.2


def test_kill_ends_the_process_with_sigkill() -> None:
    """As when Lambda's runtime is torn down: no handler, no finally, no abort runs."""
    survival = inject_in_a_process("put", "e", {FAULT_VARIABLE: "kill@put#e"})
    assert survival.returncode == -9
    assert "survived" not in survival.stdout
    assert '"fault_injected"' in survival.stdout


def test_a_fault_announces_itself_in_the_file_named_for_it(tmp_path: Path) -> None:
    announce = tmp_path / "held"
    environ = {FAULT_VARIABLE: "delay:0.01@read", ANNOUNCE_VARIABLE: str(announce)}
    inject("read", etag=None, environ=environ)
    assert announce.read_text() == "delay@read\n"
