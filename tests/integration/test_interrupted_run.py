"""A test run stopped by SIGTERM (`timeout`, CI ending a job) leaves no emulator running.

The emulators run in process groups of their own, so a signal to the run's process group does
not reach them: the session's handler (tests/conftest.py) stops them, then ends the session as
Ctrl-C does. Here a pytest run of its own, with an xdist worker as `make test` has, starts an
emulator of --target's kind and holds it; its process group is sent SIGTERM.
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

HOLDS_AN_EMULATOR = """
import os
import time
from pathlib import Path

from providers import make_target


def test_holds_an_emulator(tmp_path):
    target = make_target(os.environ["PIPESUM_HELD_TARGET"], state_dir=tmp_path / "target")
    target.start()
    Path(os.environ["PIPESUM_ANNOUNCE"]).write_text(str(target.pid))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # until the run is stopped
        time.sleep(0.1)
    raise AssertionError("the run was not stopped within 120 s")
"""


def test_sigterm_to_a_run_stops_the_emulators_it_started(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    (tmp_path / "test_held.py").write_text(HOLDS_AN_EMULATOR)
    announce = tmp_path / "emulator.pid"
    run = subprocess.Popen(
        [
            *(sys.executable, "-m", "pytest", "-p", "tests.conftest", "-p", "no:cacheprovider"),
            *("-n", "1", "-q", "test_held.py"),
        ],
        cwd=tmp_path,
        env=os.environ
        | {
            "PYTHONPATH": f"{REPO_ROOT}:{REPO_ROOT / 'function'}",
            "PIPESUM_HELD_TARGET": request.config.getoption("--target"),
            "PIPESUM_ANNOUNCE": str(announce),
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # a group of its own, as `timeout` gives the command it runs
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

        # WHEN the run's process group is sent SIGTERM
        os.killpg(run.pid, signal.SIGTERM)
        output, _ = run.communicate(timeout=60)

        # THEN the run ends and nothing of the emulator's process group is left
        poll(
            f"the emulator's process group {emulator} gone",
            lambda: group_alive(emulator),
            lambda alive: not alive,
            seconds=15,
        )
        assert b"KeyboardInterrupt" in output, output.decode(errors="replace")[-2000:]
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()
