"""The paths an event can take through the function, and the S3 requests of one event on each
(`python -m harness.bench.probe paths PREFIX RESULT.json`).

Each event is as S3 sends it for an object this probe uploads (size, ETag, sequencer; no version
id, as MiniStack sends them); only the function's requests are counted.
"""

from __future__ import annotations

import os
import time
from typing import Any

from harness.bench.traffic import Traffic

SAMPLE_BYTES = b"sbx|dev|tst|prd|srd\n7101|3501|0862|4284|7437\n"
INVALID_BYTES = b"a|b\n1|x\n"
LARGE_BYTES = b"a|b\n1|2\n" + b"z" * (6 << 20)
PATH_CASES: tuple[tuple[str, str, tuple[bytes, ...], bytes | None], ...] = (
    # (path, key, uploaded and handled first (not counted), uploaded and counted, or None to
    # hand the last event over again). gone.txt is deleted before its event is handled; a key
    # with a space is named URL-encoded in its event.
    ("new key, valid small file", "new.txt", (), SAMPLE_BYTES),
    ("new version of a key with an output", "again.txt", (b"a|b\n1|2\n",), SAMPLE_BYTES),
    ("valid version after a rejected one", "fixed.txt", (INVALID_BYTES,), SAMPLE_BYTES),
    ("rejected file, new key", "bad.txt", (), INVALID_BYTES),
    ("rejected version of a key with an output", "broken.txt", (SAMPLE_BYTES,), INVALID_BYTES),
    (
        "second rejected version of a key with an output",
        "rebroken.txt",
        (SAMPLE_BYTES, INVALID_BYTES),
        b"a|b\n1|y\n",
    ),
    (
        "valid version after a rejected one, key with an output",
        "mended.txt",
        (b"a|b\n1|2\n", INVALID_BYTES),
        SAMPLE_BYTES,
    ),
    ("redelivered event", "twice.txt", (SAMPLE_BYTES,), None),
    ("source deleted since its event", "gone.txt", (), SAMPLE_BYTES),
    ("URL-encoded key in the event", "with space.txt", (), SAMPLE_BYTES),
    ("large file (6 MiB, copied)", "large.txt", (), LARGE_BYTES),
)


def run_paths(prefix: str) -> dict[str, Any]:
    """The S3 requests the function makes for one event on each path of PATH_CASES."""
    import boto3  # noqa: PLC0415

    from pipesum import handler  # noqa: PLC0415

    traffic = Traffic()
    boto3.setup_default_session()
    if boto3.DEFAULT_SESSION is None:
        raise SystemExit("boto3 made no default session")
    traffic.attach(boto3.DEFAULT_SESSION.events)
    handler._runtime()
    uploader = boto3.session.Session().client("s3")  # not counted: the bench's own requests
    bucket = os.environ["SOURCE_BUCKET"]

    def drop(key: str, body: bytes) -> dict[str, Any]:
        put = uploader.put_object(Bucket=bucket, Key=key, Body=body)
        obj = {
            "key": key,
            "size": len(body),
            "etag": put["ETag"].strip('"'),
            "sequencer": f"{time.time_ns():032X}",
        }
        return {
            "version": "0",
            "id": "bench",
            "source": "aws.s3",
            "detail-type": "Object Created",
            "detail": {"bucket": {"name": bucket}, "object": obj},
        }

    paths = []
    for path, name, earlier, counted in PATH_CASES:
        key = f"{prefix}/{name}"
        event: dict[str, Any] = {}
        for body in earlier:
            event = drop(key, body)
            handler.handle(event, None)
        if counted is not None:
            event = drop(key, counted)
        if name == "gone.txt":
            uploader.delete_object(Bucket=bucket, Key=key)
        if " " in name:
            event["detail"]["object"]["key"] = key.replace(" ", "+")
        traffic.requests.clear()
        result = handler.handle(event, None)
        paths.append(
            {"path": path, "outcome": result.get("outcome"), "requests": dict(traffic.requests)}
        )
    return {"paths": paths}
