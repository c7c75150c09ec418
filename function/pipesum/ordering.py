"""Order of S3 events on one key, by their `sequencer`.

S3 documents the sequencer as a hexadecimal string that grows for later events on the same key;
values of different lengths are compared after right-padding the shorter with zeros.
"""

from __future__ import annotations


def is_superseded(sequencer: str, *, by: str) -> bool:
    """True when the event with `sequencer` is the one recorded as `by`, or happened before it."""
    width = max(len(sequencer), len(by))
    return sequencer.upper().ljust(width, "0") <= by.upper().ljust(width, "0")


def is_same_event(sequencer: str, other: str) -> bool:
    """True when both sequencers are the same event's (as compared by `is_superseded`)."""
    return is_superseded(sequencer, by=other) and is_superseded(other, by=sequencer)
