"""The failure queues' side of a run's books: how many messages they hold.

Both the soak and the tests' scenarios balance what they dropped against the outcomes in the
destination plus these messages (a message can stand for a file with no outcome).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient


def queue_messages(sqs: SQSClient, queue_urls: Iterable[str]) -> int:
    """Messages in the queues: visible, in flight and delayed."""
    total = 0
    for url in queue_urls:
        attributes = sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=[
                "ApproximateNumberOfMessages",
                "ApproximateNumberOfMessagesNotVisible",
                "ApproximateNumberOfMessagesDelayed",
            ],
        )["Attributes"]
        total += sum(int(value) for value in attributes.values())
    return total
