"""S3 requests per event, by path, pinned: a path that makes one more request fails here.

The function runs against moto with both buckets as deployed (versioned, SSE-KMS by default) and
its client's requests are counted with botocore's `before-call.s3` hook, by operation. Events are
as S3 sends them: the object's size and sequencer, no version id (as MiniStack sends them).
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

from pipesum.config import Settings
from pipesum.storage import REPORT_MARK_METADATA, SEQUENCER_METADATA
from tests.support.s3_scene import (
    DESTINATION,
    INVALID,
    LARGE,
    OUTPUT,
    SAMPLE,
    SOURCE,
    Scene,
    etag_of,
    event_for,
    make_scene,
)

scene = pytest.fixture(make_scene)


def test_a_new_key_costs_a_get_a_head_of_the_report_and_a_put(scene: Scene) -> None:
    outcome, requests = scene.handle(scene.drop("k", SAMPLE))
    assert outcome.kind == "written"
    assert scene.output("k") == OUTPUT
    assert requests == Counter(GetObject=1, HeadObject=1, PutObject=1)
    assert scene.order == ["GetObject", "PutObject", "HeadObject"]


def test_a_new_version_of_a_key_with_an_output_costs_a_refused_put_and_the_outputs_head(
    scene: Scene,
) -> None:
    """The output without the mark says no rejection report exists: none is looked up."""
    scene.handle(scene.drop("k", b"a|b\n1|2\n"))
    outcome, requests = scene.handle(scene.drop("k", SAMPLE, sequencer="0B"))
    assert outcome.kind == "written"
    assert scene.output("k") == OUTPUT
    assert requests == Counter(GetObject=1, HeadObject=1, PutObject=2)
    assert scene.order == ["GetObject", "PutObject", "HeadObject", "PutObject"]


def test_a_valid_version_after_a_rejected_one_removes_its_report_in_one_delete(
    scene: Scene,
) -> None:
    scene.handle(scene.drop("k", INVALID))
    outcome, requests = scene.handle(scene.drop("k", SAMPLE, sequencer="0B"))
    assert outcome.kind == "written"
    assert scene.destination_keys() == ["k"]
    assert requests == Counter(GetObject=1, HeadObject=1, PutObject=1, DeleteObject=1)


def test_a_rejected_file_of_a_new_key_costs_a_get_two_heads_and_the_report(scene: Scene) -> None:
    outcome, requests = scene.handle(scene.drop("k", INVALID, sequencer="0B"))
    assert outcome.kind == "rejected"
    assert json.loads(scene.output("_rejected/k.json"))["error_code"] == "INVALID_NUMBER"
    assert requests == Counter(GetObject=1, HeadObject=2, PutObject=1)


def test_a_rejected_version_of_a_key_with_an_output_writes_the_report_unread_and_marks_the_output(
    scene: Scene,
) -> None:
    """The output without the mark says no report exists: the report is written as new, and the
    output copied onto itself with the mark. Its bytes and its sequencer stay."""
    scene.handle(scene.drop("k", SAMPLE))
    outcome, requests = scene.handle(scene.drop("k", INVALID, sequencer="0B"))
    assert outcome.kind == "rejected"
    assert json.loads(scene.output("_rejected/k.json"))["error_code"] == "INVALID_NUMBER"
    assert requests == Counter(GetObject=1, HeadObject=1, PutObject=1, CopyObject=1)
    assert scene.order == ["GetObject", "HeadObject", "PutObject", "CopyObject"]
    assert scene.output("k") == OUTPUT
    marked = scene.s3.head_object(Bucket=DESTINATION, Key="k")["Metadata"]
    assert (marked[SEQUENCER_METADATA], marked[REPORT_MARK_METADATA]) == ("0A", "may-exist")


def test_a_second_rejected_version_reads_the_report_the_mark_announces(scene: Scene) -> None:
    scene.handle(scene.drop("k", SAMPLE))
    scene.handle(scene.drop("k", INVALID, sequencer="0B"))
    outcome, requests = scene.handle(scene.drop("k", b"a|b\n1|y\n", sequencer="0C"))
    assert outcome.kind == "rejected"
    assert json.loads(scene.output("_rejected/k.json"))["source_etag"] == etag_of(b"a|b\n1|y\n")
    assert requests == Counter(GetObject=1, HeadObject=2, PutObject=1)


def test_a_valid_version_after_a_rejected_one_removes_the_report_the_mark_announces(
    scene: Scene,
) -> None:
    """Its write drops the mark; the report, older, is then removed."""
    scene.handle(scene.drop("k", b"a|b\n1|2\n"))
    scene.handle(scene.drop("k", INVALID, sequencer="0B"))
    outcome, requests = scene.handle(scene.drop("k", SAMPLE, sequencer="0C"))
    assert outcome.kind == "written"
    assert scene.destination_keys() == ["k"]
    assert scene.output("k") == OUTPUT
    metadata = scene.s3.head_object(Bucket=DESTINATION, Key="k")["Metadata"]
    assert REPORT_MARK_METADATA not in metadata
    assert requests == Counter(GetObject=1, PutObject=2, HeadObject=2, DeleteObject=1)
    assert scene.order == [
        "GetObject",
        "PutObject",
        "HeadObject",
        "HeadObject",
        "PutObject",
        "DeleteObject",
    ]


def test_a_late_rejected_version_stops_at_the_newer_output(scene: Scene) -> None:
    """The newer output is written in place directly: an event without a version id reads the
    source as it is now, so the source must still hold the rejected bytes."""
    late = scene.drop("k", INVALID, sequencer="0A")
    scene.place("k", OUTPUT, sequencer="0B")
    outcome, requests = scene.handle(late)
    assert outcome.kind == "superseded"
    assert scene.destination_keys() == ["k"]
    assert requests == Counter(GetObject=1, HeadObject=1)


def test_a_file_over_the_size_limit_is_rejected_unread_in_as_many_requests(
    scene: Scene,
) -> None:
    """Over the size limit but under the copy threshold: the GetObject's body is left unread."""
    limit = Settings(source_bucket=SOURCE, destination_bucket=DESTINATION, max_input_bytes=10)
    outcome, requests = scene.handle(scene.drop("k", SAMPLE), limit)
    assert outcome.kind == "rejected"
    assert requests == Counter(GetObject=1, HeadObject=2, PutObject=1)


def test_a_redelivered_event_is_superseded_after_its_refused_put(scene: Scene) -> None:
    """Its own output found, it still looks for an older report its first delivery left."""
    event = scene.drop("k", SAMPLE)
    scene.handle(event)
    outcome, requests = scene.handle(event)
    assert (outcome.kind, outcome.details["write_conflicts"]) == ("superseded", 1)
    head = scene.s3.head_object(Bucket=DESTINATION, Key="k")
    assert head["Metadata"][SEQUENCER_METADATA] == "0A"
    assert requests == Counter(GetObject=1, HeadObject=2, PutObject=1)


def test_a_redelivered_event_removes_the_older_report_its_first_delivery_left(
    scene: Scene,
) -> None:
    """As when the first delivery was killed between its output and the report's removal."""
    scene.handle(scene.drop("k", INVALID, sequencer="0A"))
    event = scene.drop("k", SAMPLE, sequencer="0B")
    scene.place("k", OUTPUT, sequencer="0B")
    outcome, requests = scene.handle(event)
    assert outcome.kind == "superseded"
    assert scene.destination_keys() == ["k"]
    assert requests == Counter(GetObject=1, PutObject=1, HeadObject=2, DeleteObject=1)


def test_a_late_event_stops_at_the_newer_output(scene: Scene) -> None:
    """An older event arriving after a newer one's output: the refused put and its reason."""
    late = scene.drop("k", b"a|b\n1|2\n", sequencer="0A")
    scene.handle(scene.drop("k", SAMPLE, sequencer="0B"))
    outcome, requests = scene.handle(late)
    assert (outcome.kind, outcome.details) == (
        "superseded",
        {"recorded_sequencers": ["0B"], "write_conflicts": 1},
    )
    assert scene.output("k") == OUTPUT
    assert requests == Counter(GetObject=1, PutObject=1, HeadObject=1)


def test_a_source_deleted_since_its_event_costs_one_get(scene: Scene) -> None:
    event = scene.drop("k", SAMPLE)
    scene.s3.delete_object(Bucket=SOURCE, Key="k")
    outcome, requests = scene.handle(event)
    assert outcome.kind == "source_missing"
    assert requests == Counter(GetObject=1)


def test_a_url_encoded_key_costs_one_get_more(scene: Scene) -> None:
    scene.drop("with space.txt", SAMPLE)
    event = event_for("with+space.txt", size=len(SAMPLE), sequencer="0A")
    outcome, requests = scene.handle(event)
    assert (outcome.kind, outcome.key) == ("written", "with space.txt")
    assert requests == Counter(GetObject=2, HeadObject=1, PutObject=1)


def test_a_large_file_is_located_read_in_ranges_and_copied(scene: Scene) -> None:
    outcome, requests = scene.handle(scene.drop("k", LARGE))
    assert (outcome.kind, outcome.details["write"]) == ("written", "multipart_copy")
    assert scene.output("k") == LARGE + b"\n3\n"
    assert requests == Counter(
        HeadObject=3,
        GetObject=1,  # lines 1 and 2 and the last byte, all in the first ranged read
        ListMultipartUploads=1,
        CreateMultipartUpload=1,
        UploadPartCopy=1,
        UploadPart=1,
        CompleteMultipartUpload=1,
    )
