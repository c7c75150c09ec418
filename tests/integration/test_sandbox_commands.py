"""The README's sandbox session, run as `make demo`, `make drop`, `make logs` and `make down` run
it (harness.cli) with TARGET=--target, in a sandbox folder of the test's own so a developer's
sandbox is untouched, and with HOME and TMPDIR pointed at a fresh folder: the emulator writes only
under the sandbox's folder, and `make down` leaves none of its processes running."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from harness import cli, reach
from harness.package import FUNCTION_DIR, build_zip
from kit.paths import REPO_ROOT
from providers import sandbox_target
from providers.emulator_process import EmulatorProcess

SAMPLE_OUTPUT = (REPO_ROOT / "triggerFile.txt").read_bytes() + b"23185\n"


def off_by_one_package(work: Path) -> bytes:
    """The function's package with every sum written one too high."""
    function = work / "function"
    shutil.copytree(FUNCTION_DIR, function, ignore=shutil.ignore_patterns("__pycache__"))
    transform = function / "pipesum" / "transform.py"
    source = transform.read_text()
    correct = '    return format(total, "f")\n'
    assert source.count(correct) == 1, "format_sum moved: update this test's broken function"
    transform.write_text(source.replace(correct, '    return format(total + 1, "f")\n'))
    return build_zip(work / "broken.zip", function).read_bytes()


def deploy_code(name: str, package: bytes) -> None:
    """Replace the sandbox function's code by hand, as a broken deploy would."""
    reached = reach.reach(name, None)
    functions = reached.connection.session().client(
        "lambda", endpoint_url=reached.connection.endpoint_url
    )
    function = reached.outputs().function_name
    functions.update_function_code(FunctionName=function, ZipFile=package)
    functions.get_waiter("function_updated_v2").wait(FunctionName=function)


def a_wrong_function_fails_the_drop_and_make_e2e_puts_this_one_back(
    name: str, work: Path, capfdbinary: pytest.CaptureFixture[bytes]
) -> None:
    target = "--target", name
    # WHEN the deployed function sums wrong: THEN a drop fails and shows the difference
    deploy_code(name, off_by_one_package(work))
    assert cli.main([*target, "drop", str(REPO_ROOT / "triggerFile.txt")]) == 1
    said = capfdbinary.readouterr().out
    assert b"- NOT what the input contract gives for this file:" in said
    assert b"  -23185\n  +23186\n" in said

    # WHEN this working tree's function is deployed in place (`make e2e`): THEN the sample
    # sums right again, and the state records the code: the next plan changes nothing
    stack = reach.reach(name, None).stack
    assert "updated in place to this working tree's function" in stack.deploy_function()
    assert "runs this working tree's function already" in stack.deploy_function()
    assert cli.main([*target, "drop", str(REPO_ROOT / "triggerFile.txt")]) == 0
    assert SAMPLE_OUTPUT in capfdbinary.readouterr().out
    assert stack.drift() == []


# The sandbox's emulator outlives the command that started it, by design: `make down` stops it
# from another process. In one process, the Popen of `demo` is collected while it still runs.
@pytest.mark.filterwarnings("ignore:subprocess [0-9]+ is still running:ResourceWarning")
def test_demo_drop_logs_and_down(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capfdbinary: pytest.CaptureFixture[bytes],
    request: pytest.FixtureRequest,
) -> None:
    name = request.config.getoption("--target")
    sandbox = tmp_path / "sandbox"
    monkeypatch.setattr(reach, "SANDBOX", sandbox)
    outside = tmp_path / "outside"
    (outside / "home").mkdir(parents=True)
    (outside / "tmp").mkdir()
    monkeypatch.setenv("HOME", str(outside / "home"))
    monkeypatch.setenv("TMPDIR", str(outside / "tmp"))
    target = "--target", name
    try:
        # WHEN `make demo` runs: THEN the sample comes back with its sum, and the function's Python
        assert cli.main([*target, "demo"]) == 0
        said = capfdbinary.readouterr().out
        assert SAMPLE_OUTPUT in said
        assert b"- the function ran on Python 3." in said
        running = sandbox_target(name, state_dir=sandbox / name, say=print)
        assert running.running()
        assert isinstance(running, EmulatorProcess)
        pid = running.pid
        assert pid is not None

        # WHEN a file of one's own is dropped under a key: THEN its outcome is printed
        mine = tmp_path / "mine.txt"
        mine.write_bytes(b"a|b\n1.5|2\n")
        assert cli.main([*target, "drop", str(mine), "--key", "in/mine.txt"]) == 0
        assert b"/in/mine.txt:\na|b\n1.5|2\n3.5\n" in capfdbinary.readouterr().out

        # WHEN a file the contract rejects is dropped: THEN its report is printed, and judged
        bad = tmp_path / "bad.txt"
        bad.write_bytes(b"a|b\n1|x\n")
        assert cli.main([*target, "drop", str(bad), "--key", "in/bad.txt"]) == 0
        said = capfdbinary.readouterr().out
        assert b'"error_code": "INVALID_NUMBER"' in said
        assert b"the rejection the input contract gives: INVALID_NUMBER at line 2, field 2" in said

        # WHEN the logs are asked for: THEN the function's lines read as level, message, fields
        assert cli.main([*target, "logs"]) == 0
        lines = capfdbinary.readouterr().out.decode().splitlines()
        assert any(line.startswith("INFO    cold_start") for line in lines), lines[-5:]

        a_wrong_function_fails_the_drop_and_make_e2e_puts_this_one_back(name, tmp_path, capfdbinary)
    finally:
        # WHEN `make down` runs: THEN the emulator stops and the sandbox's folder is gone
        stopped = cli.main([*target, "down"])
    assert stopped == 0
    assert f"- stopped {running.description}".encode() in capfdbinary.readouterr().out
    assert not (sandbox / name).exists()
    assert not sandbox_target(name, state_dir=sandbox / name, say=print).running()
    with pytest.raises(ProcessLookupError):
        os.killpg(pid, 0)  # nothing of the emulator's process group is left
    written = sorted(str(path.relative_to(outside)) for path in outside.rglob("*"))
    assert written == ["home", "tmp"]
