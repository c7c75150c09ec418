"""The test-only fault hook: absent unless PIPESUM_FAULT names it, exact about where it fires."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import boto3
import moto.s3.models
import pytest
from moto import mock_aws

from pipesum import handler
from pipesum.faults import (
    ANNOUNCE_VARIABLE,
    FAULT_VARIABLE,
    RELEASE_VARIABLE,
    Fault,
    FaultSpecError,
    FaultyStorage,
)
from pipesum.storage import Storage
from tests.support.function_config import object_created_event

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

SOURCE = "pipesum-test-source"
DESTINATION = "pipesum-test-destination"
SAMPLE = b"sbx|dev|tst|prd|srd\n7101|3501|0862|4284|7437\n"
LARGE = b"a|b\n1|2\n" + b"z" * 40


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


def fire_in_a_process(point: str, etag: str, environ: dict[str, str]) -> Survival:
    """The fault of `environ` fired at `point` in a child process: a hook firing wrongly kills
    or hangs the child, not pytest."""
    code = (
        "import pipesum.handler\n"  # sets up the function's JSON log lines, as in Lambda
        "from pipesum.faults import Fault\n"
        f"fault = Fault.from_environment({environ!r})\n"
        f"if fault is not None: fault.fire({point!r}, etag={etag!r})\n"
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


def test_without_the_variable_there_is_no_fault() -> None:
    assert Fault.from_environment({}) is None
    assert Fault.from_environment({FAULT_VARIABLE: ""}) is None
    survival = fire_in_a_process("put", "e", {})
    assert survival == Survival(0, "survived\n", "")


@pytest.mark.parametrize(
    "spec", ["kill@part-copied", "kill@read", "kill@put#other", "hang@part-copied"]
)
def test_a_fault_for_another_point_or_object_does_nothing(spec: str) -> None:
    survival = fire_in_a_process("put", "e", {FAULT_VARIABLE: spec})
    assert survival == Survival(0, "survived\n", "")


def test_delay_waits_about_the_time_it_names() -> None:
    started = time.monotonic()
    Fault.parse("delay:0.2@read").fire("read", etag=None)
    assert time.monotonic() - started >= 0.2


def test_kill_ends_the_process_with_sigkill() -> None:
    """As when Lambda's runtime is torn down: no handler, no finally, no abort runs."""
    survival = fire_in_a_process("put", "e", {FAULT_VARIABLE: "kill@put#e"})
    assert survival.returncode == -9
    assert "survived" not in survival.stdout
    assert '"fault_injected"' in survival.stdout


def test_a_fault_announces_itself_in_the_file_named_for_it(tmp_path: Path) -> None:
    announce = tmp_path / "held"
    environ = {FAULT_VARIABLE: "delay:0.01@read", ANNOUNCE_VARIABLE: str(announce)}
    fault = Fault.from_environment(environ)
    assert fault == Fault("delay", "read", 0.01, announce=str(announce))
    assert fault is not None
    fault.fire("read", etag=None)
    assert announce.read_text() == "delay@read\n"


def test_hold_waits_until_its_release_file_exists(tmp_path: Path) -> None:
    release = tmp_path / "release"
    environ = {FAULT_VARIABLE: "hold@read", RELEASE_VARIABLE: str(release)}
    fault = Fault.from_environment(environ)
    assert fault == Fault("hold", "read", release=str(release))
    released = threading.Event()
    held = threading.Thread(
        target=lambda: (fault.fire("read", etag=None), released.set()), daemon=True
    )
    held.start()
    assert not released.wait(0.3)  # held while the file is missing
    release.write_text("go\n")
    assert released.wait(10)


def test_hold_without_a_release_file_is_refused() -> None:
    with pytest.raises(FaultSpecError, match="hold needs PIPESUM_FAULT_RELEASE"):
        Fault.from_environment({FAULT_VARIABLE: "hold@put"})


@dataclass
class Function:
    """The handler against moto, its S3 requests listed with whether the fault had fired."""

    s3: S3Client
    announce: Path
    requests: list[tuple[str, bool]]

    def handle(self, key: str, body: bytes) -> list[tuple[str, bool]]:
        self.s3.put_object(Bucket=SOURCE, Key=key, Body=body)
        event = object_created_event(SOURCE, key, sequencer="0A")
        event["detail"]["object"]["size"] = len(body)
        self.requests.clear()
        handler.handle(event, SimpleNamespace(function_name="pipesum-test-sum"))
        return list(self.requests)


@pytest.fixture
def function(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Function]:
    environment = {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "SOURCE_BUCKET": SOURCE,
        "DESTINATION_BUCKET": DESTINATION,
        "COPY_THRESHOLD_BYTES": str(len(LARGE)),
        "COPY_PART_BYTES": str(len(LARGE)),
        ANNOUNCE_VARIABLE: str(tmp_path / "fired"),
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv(FAULT_VARIABLE, raising=False)
    monkeypatch.setattr(moto.s3.models, "S3_UPLOAD_PART_MIN_SIZE", 1)
    announce = tmp_path / "fired"
    requests: list[tuple[str, bool]] = []
    with mock_aws():
        s3: S3Client = boto3.client("s3")
        s3.create_bucket(Bucket=SOURCE)
        s3.create_bucket(Bucket=DESTINATION)
        handler._runtime.cache_clear()
        boto3.setup_default_session()

        def record(model: Any, **_: Any) -> None:
            requests.append((model.name, announce.exists()))

        boto3.DEFAULT_SESSION.events.register("before-call.s3", record)  # type: ignore[union-attr]
        yield Function(s3, announce, requests)
    handler._runtime.cache_clear()


def test_without_the_variable_the_function_stores_through_plain_storage(
    function: Function,
) -> None:
    _, storage = handler._runtime()
    assert type(storage) is Storage
    assert all(not fired for _, fired in function.handle("k", SAMPLE))


@pytest.mark.parametrize(
    ("point", "body", "before", "after"),
    [
        ("read", SAMPLE, ["GetObject"], ["PutObject", "HeadObject"]),
        ("put", SAMPLE, ["GetObject"], ["PutObject", "HeadObject"]),
        (
            "part-copied",
            LARGE,
            [
                "HeadObject",
                "HeadObject",
                "GetObject",
                "ListMultipartUploads",
                "CreateMultipartUpload",
                "UploadPartCopy",
            ],
            ["UploadPart", "CompleteMultipartUpload", "HeadObject"],
        ),
    ],
)
def test_with_the_variable_the_fault_fires_between_the_requests_its_point_names(
    function: Function,
    monkeypatch: pytest.MonkeyPatch,
    point: str,
    body: bytes,
    before: list[str],
    after: list[str],
) -> None:
    monkeypatch.setenv(FAULT_VARIABLE, f"delay:0.001@{point}")
    handler._runtime.cache_clear()
    _, storage = handler._runtime()
    assert isinstance(storage, FaultyStorage)
    requests = function.handle("k", body)
    assert requests == [(name, False) for name in before] + [(name, True) for name in after]
    assert function.announce.read_text() == f"delay@{point}\n"


def test_a_fault_for_another_etag_never_fires(
    function: Function, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(FAULT_VARIABLE, "delay:0.001@read#0123456789abcdef")
    handler._runtime.cache_clear()
    assert all(not fired for _, fired in function.handle("k", SAMPLE))
    assert not function.announce.exists()


@pytest.mark.usefixtures("function")
def test_a_bad_variable_fails_the_cold_start_with_what_it_expects(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(FAULT_VARIABLE, "kill@nowhere")
    handler._runtime.cache_clear()
    with pytest.raises(FaultSpecError, match=r"expected kill\|hang\|hold\|delay"):
        handler._runtime()
