"""The process execution environment with a real runtime: AWS's awslambdaric on the runtime's
Python (.venv-lambda), running handlers written here. What Lambda does around a function is what
is checked: the answer, the timeout, a crash, a failed import, the log lines, the reset after a
failure, and that the runtime writes nowhere but the environment's folder."""

from __future__ import annotations

import json
import os
import re
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from providers.lambda_process import report
from providers.lambda_process.environment import (
    FunctionSpec,
    InitFailed,
    Outcome,
    ProcessEnvironment,
)
from providers.lambda_process.runtime_api import Invocation
from providers.localstack_process import DEFAULT_LAMBDA_PYTHON
from tests.support.polling import poll

HANDLERS = """\
import json, os, sys, tempfile, time
print("initialising")

def answer(event, context):
    print("event", json.dumps(event))
    with tempfile.NamedTemporaryFile(delete=False) as scratch:
        scratch.write(b"x")
    return {
        "python": sys.version.split()[0],
        "memory": os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"],
        "handler": os.environ["_HANDLER"],
        "greeting": os.environ["GREETING"],
        "scratch": scratch.name,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "request_id": context.aws_request_id,
        "pid": os.getpid(),
    }

def sleep(event, context):
    print("going to sleep")
    time.sleep(30)

def crash(event, context):
    print("about to exit")
    sys.stdout.flush()
    os._exit(3)

def fail(event, context):
    raise ValueError("not a number")
"""
TIMEOUT_SECONDS = 2


@pytest.fixture
def code_dir(tmp_path: Path) -> Path:
    code = tmp_path / "code"
    code.mkdir()
    (code / "app.py").write_text(HANDLERS)
    (code / "broken.py").write_text("import no_such_module\n")
    return code


def environment_for(
    handler: str, code_dir: Path, work_dir: Path, timeout_seconds: int = TIMEOUT_SECONDS
) -> ProcessEnvironment:
    assert DEFAULT_LAMBDA_PYTHON.exists(), f"{DEFAULT_LAMBDA_PYTHON} is missing: run `make venv`"
    spec = FunctionSpec(
        handler=handler,
        code_dir=code_dir,
        python=DEFAULT_LAMBDA_PYTHON,
        timeout_seconds=timeout_seconds,
        memory_size_mb=256,
        runtime="python3.13",
    )
    variables = {"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256", "GREETING": "hello"}
    return ProcessEnvironment(spec, variables, work_dir)


@pytest.fixture
def started(
    code_dir: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[ProcessEnvironment]:
    environment = environment_for(request.param, code_dir, tmp_path / "environment")
    environment.start(startup_timeout_seconds=30)
    yield environment
    environment.stop()


def invoke(environment: ProcessEnvironment, event: object = None) -> tuple[str, Outcome]:
    request_id = str(uuid.uuid4())
    payload = json.dumps(event if event is not None else {"n": 1}).encode()
    arn = "arn:aws:lambda:us-east-1:000000000000:function:f"
    return request_id, environment.invoke(Invocation(request_id, payload, arn))


def log_lines(outcome: Outcome) -> list[str]:
    return outcome.logs.splitlines()


REPORT = re.compile(
    r"REPORT RequestId: (?P<id>\S+)\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\t"
    r"Memory Size: 256 MB\tMax Memory Used: (?P<memory>\d+) MB\t"
    r"(?:Init Duration: (?P<init>\d+\.\d\d) ms\t)?(?:Status: (?P<status>\w+)\t)?"
)


@pytest.mark.parametrize("started", ["app.answer"], indirect=True)
def test_an_answer_comes_back_with_the_log_lambda_writes_around_it(
    started: ProcessEnvironment, tmp_path: Path
) -> None:
    request_id, outcome = invoke(started, {"n": 1})

    answer = json.loads(outcome.payload)
    assert not outcome.is_error
    assert answer["python"].startswith("3.13.")
    assert (answer["memory"], answer["handler"], answer["greeting"]) == (
        "256",
        "app.answer",
        "hello",
    )
    assert answer["request_id"] == request_id
    assert 0 < answer["remaining_ms"] <= TIMEOUT_SECONDS * 1000
    assert Path(answer["scratch"]).is_relative_to(tmp_path / "environment")
    lines = log_lines(outcome)
    assert lines[:4] == [
        "initialising",
        f"START RequestId: {request_id} Version: $LATEST",
        'event {"n": 1}',
        f"END RequestId: {request_id}",
    ]
    first = REPORT.fullmatch(lines[4])
    assert first is not None, lines[4]
    assert (first["id"], first["status"]) == (request_id, None)
    assert first["init"] is not None
    assert int(first["memory"]) > 0

    second_id, second = invoke(started)

    assert json.loads(second.payload)["pid"] == answer["pid"]  # the warm process, reused
    assert log_lines(second)[0] == f"START RequestId: {second_id} Version: $LATEST"
    again = REPORT.fullmatch(log_lines(second)[-1])
    assert again is not None
    assert again["init"] is None


@pytest.mark.parametrize("started", ["app.sleep"], indirect=True)
def test_the_timeout_ends_the_invocation_and_the_next_one_starts_a_new_runtime(
    started: ProcessEnvironment,
) -> None:
    first_pid = started.pid
    request_id, outcome = invoke(started)

    assert outcome.is_error
    assert json.loads(outcome.payload) == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {request_id} Error: Task timed out after 2.00 seconds",
    }
    lines = log_lines(outcome)
    assert lines[1:3] == [f"START RequestId: {request_id} Version: $LATEST", "going to sleep"]
    stamp = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"
    assert re.fullmatch(rf"{stamp} {request_id} Task timed out after 2\.00 seconds", lines[3])
    assert lines[4] == f"END RequestId: {request_id}"
    timed_out = REPORT.fullmatch(lines[5])
    assert timed_out is not None
    assert timed_out["status"] == "timeout"
    assert first_pid is not None
    with pytest.raises(ProcessLookupError):
        os.kill(first_pid, 0)

    _, again = invoke(started)

    assert json.loads(again.payload)["errorType"] == "Sandbox.Timedout"
    assert log_lines(again)[0] == "initialising"  # a new runtime, initialised again
    assert started.pid != first_pid


@pytest.mark.parametrize("started", ["app.crash"], indirect=True)
def test_a_runtime_that_exits_is_reported_as_runtime_exit_error(
    started: ProcessEnvironment,
) -> None:
    request_id, outcome = invoke(started)

    assert outcome.is_error
    assert json.loads(outcome.payload) == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: exit status 3",
    }
    lines = log_lines(outcome)
    assert lines[2:6] == [
        "about to exit",
        f"RequestId: {request_id} Error: Runtime exited with error: exit status 3",
        "Runtime.ExitError",
        f"END RequestId: {request_id}",
    ]
    crashed = REPORT.fullmatch(lines[6])
    assert crashed is not None
    assert crashed["status"] == "error"

    _, again = invoke(started)

    assert json.loads(again.payload)["errorType"] == "Runtime.ExitError"


@pytest.mark.parametrize("started", ["app.fail"], indirect=True)
def test_a_handler_error_is_the_runtime_s_own_answer(started: ProcessEnvironment) -> None:
    request_id, outcome = invoke(started)

    error = json.loads(outcome.payload)
    assert outcome.is_error
    assert (error["errorType"], error["errorMessage"], error["requestId"]) == (
        "ValueError",
        "not a number",
        request_id,
    )
    assert REPORT.fullmatch(log_lines(outcome)[-1]) is not None


def test_a_module_that_fails_to_import_fails_the_init_as_lambda_reports_it(
    code_dir: Path, tmp_path: Path
) -> None:
    environment = environment_for("broken.handle", code_dir, tmp_path / "environment")
    try:
        with pytest.raises(InitFailed) as failed:
            environment.start(startup_timeout_seconds=30)
    finally:
        environment.stop()

    error = json.loads(failed.value.payload)
    assert error["errorType"] == "Runtime.ImportModuleError"
    assert "No module named 'no_such_module'" in error["errorMessage"]
    assert "No module named 'no_such_module'" in failed.value.logs


def test_stop_ends_the_runtime(code_dir: Path, tmp_path: Path) -> None:
    environment = environment_for("app.answer", code_dir, tmp_path / "environment")
    environment.start(startup_timeout_seconds=30)
    pid = environment.pid
    assert pid is not None

    environment.stop()

    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_stop_mid_invocation_ends_it_at_once_as_a_crash(code_dir: Path, tmp_path: Path) -> None:
    """Not at the function's timeout: stopping an environment (LocalStack shutting down, a
    function retired) does not wait for the invocation in flight."""
    environment = environment_for("app.sleep", code_dir, tmp_path / "environment", 60)
    environment.start(startup_timeout_seconds=30)
    with ThreadPoolExecutor(max_workers=1) as pool:
        invoked = pool.submit(invoke, environment)
        poll("the handler asleep", environment.logs, lambda logs: "going to sleep" in logs, 30)
        started = time.monotonic()
        environment.stop()
        _, outcome = invoked.result(timeout=30)
    assert time.monotonic() - started < 10
    assert json.loads(outcome.payload)["errorType"] == "Runtime.ExitError"
    assert json.loads(outcome.payload)["errorMessage"].endswith("signal: killed")


def test_an_exit_during_init_names_no_request() -> None:
    assert json.loads(report.exit_error(None, 1)) == {
        "errorType": "Runtime.ExitError",
        "errorMessage": "Error: Runtime exited with error: exit status 1",
    }


@pytest.mark.parametrize(
    ("exit_code", "words"),
    [
        (0, "exit status 0"),
        (2, "exit status 2"),
        (-9, "signal: killed"),
        (-11, "signal: segmentation fault"),
        (-10, "signal: 10"),
    ],
)
def test_a_runtime_s_end_is_worded_as_lambda_words_it(exit_code: int, words: str) -> None:
    assert report.exit_description(exit_code) == words


def test_the_report_line_says_when_memory_could_not_be_measured() -> None:
    usage = report.Usage(duration_ms=1.004, memory_size_mb=128, max_memory_used_mb=None)

    assert report.report_line("r", usage) == (
        "REPORT RequestId: r\tDuration: 1.00 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\t"
        "Max Memory Used: n/a\t\n"
    )
    assert report.max_rss_mb(2**22 + 12345) is None
