"""The books' write counts: each version once, however the listed folders nest."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from harness.pipeline import Pipeline
from tests.support.books import write_counts

VERSIONS = [
    ("run/a.txt", "1"),
    ("run/a.txt", "2"),
    ("run/../up.txt", "1"),
    ("_rejected/run/b.txt.json", "1"),
    ("run/b.txt", "1"),
]


class Paginator:
    def paginate(self, *, Bucket: str, Prefix: str) -> list[dict[str, Any]]:  # noqa: N803
        assert Bucket == "destination"
        listed = [{"Key": key, "VersionId": version} for key, version in VERSIONS]
        return [{"Versions": [item for item in listed if item["Key"].startswith(Prefix)]}]


def a_pipeline() -> Pipeline:
    s3 = SimpleNamespace(get_paginator=lambda _operation: Paginator())
    fake: Any = SimpleNamespace(s3=s3, outputs=SimpleNamespace(destination_bucket="destination"))
    return fake  # type: ignore[no-any-return]


def test_a_version_listed_under_two_folders_is_counted_once() -> None:
    """'run/' also lists 'run/../up.txt', whose own folder is 'run/../'."""
    counts = write_counts(a_pipeline(), ["run/a.txt", "run/../up.txt", "run/b.txt", "run/c.txt"])
    assert counts == {"run/a.txt": 2, "run/../up.txt": 1, "run/b.txt": 2, "run/c.txt": 0}
