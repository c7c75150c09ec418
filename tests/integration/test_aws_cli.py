"""The deployed pipeline driven with the AWS CLI, as a user drives the sandbox: `aws s3 cp` of the
sample and of awkward keys, a 40 MiB upload (multipart, in the CLI's 8 MiB parts), a folder `sync`
of 30 files and 100 files copied at once. Every output is checked byte for byte against the
reference transform."""

from __future__ import annotations

import random
import subprocess
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from harness.pipeline import Pipeline
from kit.paths import REPO_ROOT
from kit.reference_transform import reference_append_sum
from providers import Connection
from tests.support.function_config import FunctionConfig

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient

AWS = REPO_ROOT / ".venv-awscli" / "bin" / "aws"
WAIT_SECONDS = 120.0
MIB = 1 << 20
LARGE_LIMIT = 64 * MIB
SAMPLE = (REPO_ROOT / "triggerFile.txt").read_bytes()
AWKWARD_KEYS = (
    "triggerFile.txt",
    "with space/trigger File.txt",
    "unicode/é中文 ✓.txt",
    "plus+sign/a+b.txt",
    "deep/a/b/c/d/e/f/g.txt",
    "percent%20literal.txt",
    "equals=and&amp.txt",
)


@pytest.fixture(scope="module")
def large_inputs(lambda_client: LambdaClient, pipeline: Pipeline) -> Iterator[None]:
    """The function's input limit raised for this module's 40 MiB file; put back afterwards."""
    config = FunctionConfig(lambda_client, pipeline.outputs.function_name)
    config.set(environment={"MAX_INPUT_BYTES": str(LARGE_LIMIT)})
    try:
        yield
    finally:
        config.restore()


def aws(connection: Connection, *arguments: str) -> None:
    assert AWS.exists(), f"{AWS} is missing: run `make test` (it builds .venv-awscli)"
    done = subprocess.run(
        [str(AWS), *arguments, "--only-show-errors"],
        env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent", **connection.environment()},
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, f"aws {' '.join(arguments)}: {done.stderr.strip()}"


def expect_outputs(pipeline: Pipeline, files: dict[str, bytes], since: float) -> None:
    """Every key's outcome is its reference output, byte for byte; all are counted first."""

    def outcome(key: str) -> tuple[str, bytes]:
        found = pipeline.wait_for_outcome(key, timeout=WAIT_SECONDS, since=since)
        return found.kind, found.body

    with ThreadPoolExecutor(max_workers=8) as pool:
        seen = dict(zip(files, pool.map(outcome, files), strict=True))
    wrong = [
        key
        for key, body in files.items()
        if seen[key] != ("output", reference_append_sum(body, max_bytes=LARGE_LIMIT))
    ]
    assert (len(seen), wrong) == (len(files), [])


def numbers_file(seed: int, fields: int = 5) -> bytes:
    chooser = random.Random(seed)  # noqa: S311  (test data, not secrets)
    header = "|".join(f"c{index}" for index in range(fields))
    row = "|".join(str(chooser.randint(-9999, 99999)) for _ in range(fields))
    return f"{header}\n{row}\n".encode()


def test_cp_of_the_sample_under_awkward_keys(
    pipeline: Pipeline, connection: Connection, tmp_path: Path
) -> None:
    prefix = f"cli-cp-{uuid.uuid4().hex[:8]}"
    sample = tmp_path / "triggerFile.txt"
    sample.write_bytes(SAMPLE)
    files = {f"{prefix}/{key}": SAMPLE for key in AWKWARD_KEYS}
    since = time.time()
    for key in files:
        aws(connection, "s3", "cp", str(sample), f"s3://{pipeline.outputs.source_bucket}/{key}")
    expect_outputs(pipeline, files, since)


@pytest.mark.usefixtures("large_inputs")
def test_a_40_mib_upload_in_parts(
    pipeline: Pipeline, connection: Connection, tmp_path: Path
) -> None:
    head = numbers_file(40, fields=1000)
    body = head + (b"x" * 1023 + b"\n") * ((40 * MIB - len(head)) // 1024)
    body += b"y" * (40 * MIB - len(body))
    large = tmp_path / "large.txt"
    large.write_bytes(body)
    key = f"cli-large-{uuid.uuid4().hex[:8]}/large.txt"
    since = time.time()
    aws(connection, "s3", "cp", str(large), f"s3://{pipeline.outputs.source_bucket}/{key}")
    etag = pipeline.s3.head_object(Bucket=pipeline.outputs.source_bucket, Key=key)["ETag"]
    assert etag.strip('"').endswith("-5")  # 40 MiB in the CLI's 8 MiB parts
    expect_outputs(pipeline, {key: body}, since)


def test_a_folder_sync_of_30_files(
    pipeline: Pipeline, connection: Connection, tmp_path: Path
) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    for index in range(30):
        (folder / f"file-{index:02d}.txt").write_bytes(numbers_file(index))
    prefix = f"cli-sync-{uuid.uuid4().hex[:8]}"
    since = time.time()
    aws(connection, "s3", "sync", str(folder), f"s3://{pipeline.outputs.source_bucket}/{prefix}/")
    files = {f"{prefix}/{path.name}": path.read_bytes() for path in folder.iterdir()}
    expect_outputs(pipeline, files, since)


def test_100_files_copied_at_once(
    pipeline: Pipeline, connection: Connection, tmp_path: Path
) -> None:
    folder = tmp_path / "burst"
    folder.mkdir()
    for index in range(100):
        (folder / f"burst-{index:03d}.txt").write_bytes(numbers_file(1000 + index))
    prefix = f"cli-burst-{uuid.uuid4().hex[:8]}"
    since = time.time()
    aws(
        connection,
        "s3",
        "cp",
        str(folder),
        f"s3://{pipeline.outputs.source_bucket}/{prefix}/",
        "--recursive",
    )
    files = {f"{prefix}/{path.name}": path.read_bytes() for path in folder.iterdir()}
    expect_outputs(pipeline, files, since)
