"""S3 sequencers order events on one key; right-padding makes different lengths comparable."""

from __future__ import annotations

import pytest

from pipesum.ordering import is_same_event, is_superseded


@pytest.mark.parametrize(
    ("sequencer", "recorded", "superseded"),
    [
        ("0055AED6DCD90281E5", "0055AED6DCD90281E6", True),
        ("0055AED6DCD90281E6", "0055AED6DCD90281E5", False),
        ("0055AED6DCD90281E5", "0055AED6DCD90281E5", True),
        ("0055aed6dcd90281e5", "0055AED6DCD90281E5", True),
        ("0055AED6DCD902", "0055AED6DCD90281E5", True),
        ("0055AED6DCD903", "0055AED6DCD90281E5", False),
        ("617F08299329D189", "617F08299329D18900", True),
    ],
)
def test_event_is_superseded_when_not_later_than_the_recorded_one(
    sequencer: str, recorded: str, superseded: bool
) -> None:
    assert is_superseded(sequencer, by=recorded) is superseded


@pytest.mark.parametrize(
    ("sequencer", "other", "same"),
    [
        ("0055AED6DCD90281E5", "0055AED6DCD90281E5", True),
        ("0055aed6dcd90281e5", "0055AED6DCD90281E5", True),
        ("617F08299329D189", "617F08299329D18900", True),
        ("0055AED6DCD90281E5", "0055AED6DCD90281E6", False),
        ("0055AED6DCD90281E6", "0055AED6DCD90281E5", False),
    ],
)
def test_the_same_event_is_the_same_sequencer_up_to_case_and_padding(
    sequencer: str, other: str, same: bool
) -> None:
    assert is_same_event(sequencer, other) is same
