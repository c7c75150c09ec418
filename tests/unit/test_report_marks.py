"""The mark on an output says a rejection report of its key may exist beside it.

The writer of a key's next version reads the output anyway (HeadObject), so the mark tells it,
without a request more, whether a report must be looked up: an output without the mark has no
report beside it. These tests hold that in every order of events, when a rejection's delivery
dies before it marks, and when the output changes between a rejection's read and its mark.
"""

from __future__ import annotations

import itertools
import json

import pytest

from pipesum.storage import REPORT_MARK_METADATA, SEQUENCER_METADATA
from tests.support.s3_scene import INVALID, OUTPUT, SAMPLE, Scene, make_scene

scene = pytest.fixture(make_scene)

VALID = {"V": SAMPLE}
#: Each history is the versions of one key, oldest first: V valid, R rejected.
HISTORIES = ["VR", "RV", "VRV", "RVR", "VRR", "RRV", "VVR", "VRVR"]


def _valid_body(index: int) -> bytes:
    return f"a|b\n{index}|1\n".encode()


def _rejected_body(index: int) -> bytes:
    return f"a|b\n{index}|x\n".encode()


@pytest.mark.parametrize("history", HISTORIES)
def test_every_order_of_events_ends_as_in_order_with_the_report_recorded_on_the_output(
    scene: Scene, history: str
) -> None:
    """GIVEN a key's versions, their events handled in every order THEN the output is the newest
    valid version's, the report is the newest rejected version's if that one is newer, and an
    output beside a report carries the mark; one more valid version then leaves no report."""
    permutations = list(itertools.permutations(range(len(history))))
    for run, order in enumerate(permutations):
        key = f"k{run}"
        bodies = [
            _valid_body(index) if kind == "V" else _rejected_body(index)
            for index, kind in enumerate(history)
        ]
        events = [
            scene.drop(key, body, sequencer=f"{index + 1:02X}", pinned=True)
            for index, body in enumerate(bodies)
        ]
        for index in order:
            scene.handle(events[index])
        newest_valid = max((i for i, kind in enumerate(history) if kind == "V"), default=None)
        newest_rejected = max((i for i, kind in enumerate(history) if kind == "R"), default=None)
        seen = f"order {order} of {history}"
        if newest_valid is None:
            assert key not in scene.destination_keys(), seen
        else:
            body = bodies[newest_valid]
            assert scene.output(key) == body + f"{newest_valid + 1}\n".encode(), seen
        report_key = f"_rejected/{key}.json"
        report_stays = newest_rejected is not None and (
            newest_valid is None or newest_rejected > newest_valid
        )
        assert (report_key in scene.destination_keys()) == report_stays, seen
        if report_stays:
            report = json.loads(scene.output(report_key))
            assert report["source_version_id"] == events[newest_rejected].version_id, seen
            if newest_valid is not None:
                assert REPORT_MARK_METADATA in scene.metadata(key), seen

        scene.handle(scene.drop(key, SAMPLE, sequencer="FF", pinned=True))
        assert scene.output(key) == OUTPUT, seen
        assert report_key not in scene.destination_keys(), seen
    assert run + 1 == len(permutations)


def test_a_rejection_whose_delivery_died_before_the_mark_marks_the_output_when_redelivered(
    scene: Scene,
) -> None:
    scene.handle(scene.drop("k", SAMPLE, sequencer="0A"))
    rejected = scene.drop("k", INVALID, sequencer="0B")
    scene.place("_rejected/k.json", b"{}", sequencer="0B")
    assert REPORT_MARK_METADATA not in scene.metadata("k")
    outcome, _ = scene.handle(rejected)
    assert outcome.kind == "superseded"
    assert scene.metadata("k")[REPORT_MARK_METADATA] == "may-exist"
    assert scene.output("k") == OUTPUT


def test_a_mark_refused_because_a_newer_version_was_written_removes_the_report_it_outdated(
    scene: Scene,
) -> None:
    """GIVEN a rejection that wrote its report and is about to mark the output WHEN a newer
    valid version's output lands first (it found no mark: no report to look up) THEN the mark
    is refused, the newer output read, and the rejection removes its own report, now older."""
    scene.handle(scene.drop("k", SAMPLE, sequencer="0A"))
    rejected = scene.drop("k", INVALID, sequencer="0B")
    scene.before_next_copy.append(lambda: scene.place("k", b"newer\n", sequencer="0C"))
    outcome, requests = scene.handle(rejected)
    assert outcome.kind == "rejected"
    assert scene.destination_keys() == ["k"]
    assert scene.output("k") == b"newer\n"
    assert REPORT_MARK_METADATA not in scene.metadata("k")
    assert scene.order == [
        "GetObject",
        "HeadObject",
        "PutObject",
        "CopyObject",
        "HeadObject",
        "DeleteObject",
    ]
    assert sum(requests.values()) == len(scene.order)


def test_a_mark_refused_because_an_older_version_was_written_marks_that_output(
    scene: Scene,
) -> None:
    """The output that landed first is older than the report: the report stays, and the mark
    goes onto that output."""
    scene.handle(scene.drop("k", SAMPLE, sequencer="01"))
    rejected = scene.drop("k", INVALID, sequencer="03")
    scene.before_next_copy.append(lambda: scene.place("k", b"second\n", sequencer="02"))
    outcome, _ = scene.handle(rejected)
    assert outcome.kind == "rejected"
    assert scene.destination_keys() == ["_rejected/k.json", "k"]
    assert scene.output("k") == b"second\n"
    assert scene.metadata("k") == {SEQUENCER_METADATA: "02", REPORT_MARK_METADATA: "may-exist"}


def test_a_valid_version_older_than_the_report_keeps_the_mark_on_its_output(scene: Scene) -> None:
    """Only the output orders an output: the late valid version is written, marked, and the
    newer report stays beside it."""
    scene.handle(scene.drop("k", b"a|b\n1|1\n", sequencer="01"))
    late = scene.drop("k", SAMPLE, sequencer="02", pinned=True)
    scene.handle(scene.drop("k", INVALID, sequencer="03"))
    outcome, requests = scene.handle(late)
    assert outcome.kind == "written"
    assert scene.output("k") == OUTPUT
    assert scene.metadata("k")[REPORT_MARK_METADATA] == "may-exist"
    assert scene.destination_keys() == ["_rejected/k.json", "k"]
    assert scene.order == ["GetObject", "PutObject", "HeadObject", "HeadObject", "PutObject"]
    assert sum(requests.values()) == 5


def test_a_new_keys_output_older_than_its_report_is_marked_once_written(scene: Scene) -> None:
    late = scene.drop("k", SAMPLE, sequencer="01", pinned=True)
    scene.handle(scene.drop("k", INVALID, sequencer="02"))
    outcome, _ = scene.handle(late)
    assert outcome.kind == "written"
    assert scene.order == ["GetObject", "PutObject", "HeadObject", "CopyObject"]
    assert scene.metadata("k") == {
        "source-etag": scene.metadata("k")["source-etag"],
        "source-version-id": late.version_id,
        SEQUENCER_METADATA: "01",
        REPORT_MARK_METADATA: "may-exist",
    }
    assert scene.output("k") == OUTPUT
