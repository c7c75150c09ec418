"""One approach of the benchmark, run in a process of its own so that its peak RSS is its own.

    python -m harness.bench.probe core     FILE RESULT.json
    python -m harness.bench.probe function KEY  RESULT.json   (S3 from the environment)
    python -m harness.bench.probe naive    KEY  RESULT.json   (S3 from the environment)
    python -m harness.bench.probe handle   KEY  RESULT.json   (S3 from the environment)
    python -m harness.bench.probe paths    PREFIX RESULT.json (S3 from the environment)

- core: the streaming core (SumParser) on a local file, fed reads of 64 KiB doubling to 1 MiB,
  as the function feeds it S3's ranged reads; no AWS library is imported. As a whole process it
  is the command compared with awk.
- function: pipesum.handler.handle called in this process, with its S3 client pointed at the
  endpoint in AWS_ENDPOINT_URL; SOURCE_BUCKET, DESTINATION_BUCKET and MAX_INPUT_BYTES as set.
- handle: as function, but any outcome (a rejection too) is a result.
- paths: the S3 requests of each path an event can take through the function, one event each
  under PREFIX (path_cases.py).
- naive: the approach of a typical public solution: one GetObject of the whole file, its text
  split into lines, line 2 split on `|` and summed as floats, one PutObject of the whole text
  plus the sum.

Each writes a JSON result: seconds (the measured work only, after imports and client creation;
naive also sum_seconds, its split and sum alone), the sum as written, the S3 requests by
operation, GetObject's answers by HTTP status, and the body bytes answered (Content-Length),
read (taken from the bodies) and written, counted with botocore event hooks (traffic.py).
runner.py starts these and measures the whole process (its time and peak RSS) itself.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from harness.bench.traffic import Traffic
from kit.paths import REPO_ROOT

FIRST_READ = 64 << 10
LARGEST_READ = 1 << 20


def run_core(path: Path) -> dict[str, Any]:
    from pipesum.transform import SumParser, format_sum  # noqa: PLC0415  (RSS: only what it measures)

    size = path.stat().st_size
    started = time.perf_counter()
    read = 0
    with path.open("rb") as file:
        parser = SumParser(size=size, max_bytes=size)
        chunk = FIRST_READ
        while parser.feed(data := file.read(chunk)) and data:
            read += len(data)
            chunk = min(2 * chunk, LARGEST_READ)
        read += len(data)
        ends = parser.ends_with_line_feed
        if ends is None:
            file.seek(size - 1)
            ends = file.read(1) == b"\n"
            read += 1
        row = parser.result()
        row.appended(ends_with_line_feed=ends)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "sum": format_sum(row.total), "read": read, "written": 0}


def _handle(key: str) -> tuple[dict[str, object], float, Traffic]:
    """pipesum.handler.handle on an Object Created event of `key`: (its result, seconds, S3)."""
    import boto3  # noqa: PLC0415  (RSS: only what it measures)

    from pipesum import handler  # noqa: PLC0415

    traffic = Traffic()
    boto3.setup_default_session()  # the session the handler's client will be made from
    if boto3.DEFAULT_SESSION is None:
        raise SystemExit("boto3 made no default session")
    traffic.attach(boto3.DEFAULT_SESSION.events)
    handler._runtime()  # the client of a warm execution environment: made before the clock starts
    bucket = os.environ["SOURCE_BUCKET"]
    size = int(os.environ["BENCH_OBJECT_SIZE"])
    event = {
        "version": "0",
        "id": "bench",
        "source": "aws.s3",
        "detail-type": "Object Created",
        "detail": {
            "bucket": {"name": bucket},
            "object": {"key": key, "size": size, "sequencer": f"{time.time_ns():032X}"},
        },
    }
    started = time.perf_counter()
    result = handler.handle(event, None)
    return result, time.perf_counter() - started, traffic


def run_function(key: str) -> dict[str, Any]:
    import boto3  # noqa: PLC0415  (RSS: only what it measures)

    result, seconds, traffic = _handle(key)
    if result.get("outcome") != "written":
        raise SystemExit(f"the function did not write an output: {result}")
    checker = boto3.session.Session().client("s3")  # not counted: the bench's own reads
    destination = os.environ["DESTINATION_BUCKET"]
    output_size = checker.head_object(Bucket=destination, Key=key)["ContentLength"]
    tail = checker.get_object(Bucket=destination, Key=key, Range="bytes=-512")["Body"].read()
    return {
        "seconds": seconds,
        "sum": tail.rstrip(b"\r\n").rsplit(b"\n", 1)[-1].decode("ascii"),
        "output_bytes": output_size,
        **traffic.as_dict(),
    }


def run_handle(key: str) -> dict[str, Any]:
    """Any outcome: the memory and time of handling one event, whatever the file holds."""
    result, seconds, traffic = _handle(key)
    return {"seconds": seconds, "outcome": result.get("outcome"), **traffic.as_dict()}


def run_naive(key: str) -> dict[str, Any]:
    """A typical public solution: whole GetObject, split, sum, whole PutObject."""
    import boto3  # noqa: PLC0415  (RSS: only what it measures)

    traffic = Traffic()
    session = boto3.session.Session()
    traffic.attach(session.events)
    s3 = session.client("s3")
    source, destination = os.environ["SOURCE_BUCKET"], os.environ["DESTINATION_BUCKET"]
    started = time.perf_counter()
    content = s3.get_object(Bucket=source, Key=key)["Body"].read().decode("utf-8")
    summing = time.perf_counter()
    lines = content.split("\n")
    total = sum(float(value) for value in lines[1].split("|"))
    sum_seconds = time.perf_counter() - summing
    s3.put_object(Bucket=destination, Key=f"{key}.naive", Body=f"{content}\n{total}".encode())
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "sum_seconds": sum_seconds,
        "sum": str(total),
        **traffic.as_dict(),
    }


def main(argv: list[str]) -> int:
    approach, target, result_path = argv
    if approach == "core":
        result = run_core(Path(target))
    elif approach == "function":
        result = run_function(target)
    elif approach == "handle":
        result = run_handle(target)
    elif approach == "paths":
        # Imported here: its 6 MiB body would count in every other approach's peak RSS.
        from harness.bench.path_cases import run_paths  # noqa: PLC0415

        result = run_paths(target)
    elif approach == "naive":
        result = run_naive(target)
    else:
        raise SystemExit(f"unknown approach {approach!r}")
    Path(result_path).write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    # After PYTHONPATH, so that the bench's --function-root (another revision's package) wins.
    sys.path.append(str(REPO_ROOT / "function"))
    sys.exit(main(sys.argv[1:]))
