"""The books of a scenario, read from what the pipeline holds, not from what the test saw.

`take_books` reads, for every dropped key, its output or rejection report from the destination
bucket, counts how many times each was written (S3 versions) and how many messages the failure
queues hold; harness.reliability.account compares that with the expected outcomes. A scenario
takes its books before it asserts anything, so a failed run still counts what went missing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor

from harness.pipeline import Outcome, Pipeline
from harness.reliability import Books, account
from pipesum.storage import rejection_key

READERS = 8


def take_books(
    pipeline: Pipeline,
    expected: Mapping[str, object],
    *,
    summarize: Callable[[Outcome], object],
    failure_messages: int,
    count_writes: bool = True,
) -> Books:
    """The books of the dropped keys of `expected` (key -> its expected summary)."""
    keys = sorted(expected)
    with ThreadPoolExecutor(max_workers=READERS, thread_name_prefix="books") as pool:
        outcomes = dict(zip(keys, pool.map(pipeline.outcome, keys), strict=True))
    found = {key: summarize(outcome) for key, outcome in outcomes.items() if outcome is not None}
    writes = write_counts(pipeline, keys) if count_writes else None
    return account(expected, found, failure_messages=failure_messages, writes=writes)


def write_counts(pipeline: Pipeline, keys: Iterable[str]) -> dict[str, int]:
    """How many versions of each key's output and rejection report the destination holds."""
    keys = list(keys)
    written_as = {key: (key, rejection_key(key)) for key in keys}
    folders = {_folder(name) for names in written_as.values() for name in names}
    seen: set[tuple[str, str]] = set()  # (key, version id): one folder may hold another
    paginator = pipeline.s3.get_paginator("list_object_versions")
    for folder in sorted(folders):
        for page in paginator.paginate(Bucket=pipeline.outputs.destination_bucket, Prefix=folder):
            listed = page.get("Versions", [])
            seen.update((version["Key"], version["VersionId"]) for version in listed)
    versions = Counter(key for key, _ in seen)
    return {key: sum(versions[name] for name in names) for key, names in written_as.items()}


def _folder(key: str) -> str:
    return key.rsplit("/", 1)[0] + "/" if "/" in key else key
