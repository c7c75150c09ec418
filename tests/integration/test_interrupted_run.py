"""A test run stopped by SIGTERM (`timeout`, CI ending a job) leaves no emulator running.

The emulators run in process groups of their own, so a signal to the run's process group does
not reach them: the session's handler (tests/conftest.py) stops them, then ends the session as
Ctrl-C does. Here a pytest run of its own, with an xdist worker as `make test` has, starts an
emulator of --target's kind and holds it; its process group is sent SIGTERM. So does a command
that starts one (the soak and the bench, which tests run as commands, start theirs): starting an
emulator sets the handler where the process has none (providers/emulator_process.py).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from kit.paths import REPO_ROOT
from providers.emulator_process import group_alive
from tests.support.polling import poll

HOLD = """
import os
import time
from pathlib import Path

from providers import make_target


def hold(state_dir):
    target = make_target(os.environ["PIPESUM_HELD_TARGET"], state_dir=state_dir)
    target.start()
    Path(os.environ["PIPESUM_ANNOUNCE"]).write_text(str(target.pid))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # until it is stopped
        time.sleep(0.1)
    raise AssertionError("not stopped within 120 s")
"""
# A test session holding an emulator, as `make test`'s are.
HOLDING_TEST = HOLD + "\n\ndef test_holds_an_emulator(tmp_path):\n    hold(tmp_path / 'target')\n"
# A command holding one, with no SIGTERM handler of its own, as `python -m harness.soak` has none.
HOLDING_COMMAND = HOLD + "\n\nhold(Path('target'))\n"


def sigterm_while_holding(command: list[str], cwd: Path, target: str) -> tuple[int, str]:
    """Run `command` in a process group of its own, as `timeout` runs what it is given; once it
    has announced the emulator it holds, send the group SIGTERM. Its exit code and output, once
    nothing of the emulator's process group is left."""
    announce = cwd / "emulator.pid"
    run = subprocess.Popen(
        command,
        cwd=cwd,
        env=os.environ
        | {
            "PYTHONPATH": f"{REPO_ROOT}:{REPO_ROOT / 'function'}",
            "PIPESUM_HELD_TARGET": target,
            "PIPESUM_ANNOUNCE": str(announce),
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        announced = poll(
            "the held emulator's pid",
            lambda: announce.read_text() if announce.exists() else "",
            bool,
            seconds=90,
        )
        emulator = int(announced)
        assert group_alive(emulator)

        # WHEN the process group is sent SIGTERM
        os.killpg(run.pid, signal.SIGTERM)
        output, _ = run.communicate(timeout=60)

        # THEN it ends and nothing of the emulator's process group is left
        poll(
            f"the emulator's process group {emulator} gone",
            lambda: group_alive(emulator),
            lambda alive: not alive,
            seconds=15,
        )
        return run.returncode, output.decode(errors="replace")
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()


def test_sigterm_to_a_run_stops_the_emulators_it_started(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    (tmp_path / "test_held.py").write_text(HOLDING_TEST)
    pytest_run = [
        *(sys.executable, "-m", "pytest", "-p", "tests.conftest", "-p", "no:cacheprovider"),
        *("-n", "1", "-q", "test_held.py"),
    ]
    _, output = sigterm_while_holding(pytest_run, tmp_path, request.config.getoption("--target"))
    assert "KeyboardInterrupt" in output, output[-2000:]


def test_sigterm_to_a_command_stops_the_emulator_it_started(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    command = [sys.executable, "-c", HOLDING_COMMAND]
    code, output = sigterm_while_holding(command, tmp_path, request.config.getoption("--target"))
    assert code == 128 + signal.SIGTERM, output[-2000:]
