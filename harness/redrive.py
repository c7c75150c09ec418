"""`make redrive`: replay the events both failure queues hold, once their cause is fixed.

A message is deleted only after the function, invoked synchronously with its original event,
succeeded; one that fails again stays in its queue (visible again after the visibility
timeout) and is reported with its new error. The queues hold two formats:

- the function's on-failure destination: Lambda's invocation record, the original event in
  `requestPayload` and the last error in `responsePayload`;
- the rule target's dead-letter queue: the event itself, the error in the message attributes
  ERROR_CODE and ERROR_MESSAGE.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from harness.reach import add_target_arguments, reach
from harness.stack import StackOutputs
from harness.terraform import TerraformError
from kit import console
from providers import TARGET_NAMES
from providers.base import Connection, TargetError

if TYPE_CHECKING:
    from mypy_boto3_lambda import LambdaClient
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import MessageTypeDef

#: While a message is being replayed no other reader sees it; a replay takes seconds.
VISIBILITY_TIMEOUT_SECONDS = 120


class UnknownMessage(ValueError):
    """A failure-queue message in neither format; it is left in its queue."""


@dataclass(frozen=True)
class FailedEvent:
    event: dict[str, Any]
    error: str

    @property
    def object_key(self) -> str:
        detail = self.event.get("detail")
        if isinstance(detail, dict):
            return str(detail.get("object", {}).get("key", "?"))
        return "?"


def failed_event(body: str, attributes: Mapping[str, Any]) -> FailedEvent:
    """The original event of a failure-queue message, and the error it failed with."""
    try:
        record = json.loads(body)
    except ValueError as not_json:
        raise UnknownMessage(f"not JSON: {not_json}") from not_json
    if not isinstance(record, dict):
        raise UnknownMessage(f"not a JSON object: {body[:80]!r}")
    if isinstance(record.get("requestPayload"), dict):
        response = record.get("responsePayload")
        context = record.get("requestContext") or {}
        if isinstance(response, dict) and response.get("errorMessage"):
            error = f"{response.get('errorType', 'Error')}: {response['errorMessage']}"
        else:
            error = str(context.get("condition", "unknown"))
        return FailedEvent(record["requestPayload"], error)
    if record.get("detail-type") == "Object Created" and isinstance(record.get("detail"), dict):
        code = attributes.get("ERROR_CODE", {}).get("StringValue", "")
        message = attributes.get("ERROR_MESSAGE", {}).get("StringValue", "")
        return FailedEvent(record, ": ".join(part for part in (code, message) if part) or "?")
    raise UnknownMessage(f"neither a Lambda failure record nor an S3 event: {body[:80]!r}")


@dataclass
class RedriveReport:
    redriven: list[str] = field(default_factory=list)
    still_failing: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        lines = [f"still failing: {line}" for line in self.still_failing]
        lines += [f"left in its queue, unreadable: {line}" for line in self.unknown]
        summary = (
            f"redrive: {len(self.redriven)} redriven, {len(self.still_failing)} still failing, "
            f"{len(self.unknown)} unreadable"
        )
        if self.still_failing:
            summary += "; fix the cause and run `make redrive` again"
        return [*lines, summary]


def _messages(sqs: SQSClient, queue_url: str) -> Iterator[MessageTypeDef]:
    """Each message once: a message left in the queue stays invisible until this run ends."""
    while True:
        batch = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=1,
            VisibilityTimeout=VISIBILITY_TIMEOUT_SECONDS,
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not batch:
            return
        yield from batch


def redrive(
    connection: Connection, outputs: StackOutputs, *, say: Callable[[str], object] = console.say
) -> RedriveReport:
    """Replay every message of both failure queues through the function."""
    session = connection.session()
    sqs: SQSClient = session.client("sqs", endpoint_url=connection.endpoint_url)
    functions: LambdaClient = session.client("lambda", endpoint_url=connection.endpoint_url)
    report = RedriveReport()
    for queue_url in (outputs.function_failure_queue_url, outputs.event_dlq_url):
        for message in _messages(sqs, queue_url):
            try:
                failed = failed_event(message["Body"], message.get("MessageAttributes", {}))
            except UnknownMessage as error:
                report.unknown.append(f"{message['MessageId']} in {queue_url}: {error}")
                continue
            response = functions.invoke(
                FunctionName=outputs.function_name,
                InvocationType="RequestResponse",
                Payload=json.dumps(failed.event).encode(),
            )
            payload = response["Payload"].read().decode(errors="replace")
            if response.get("FunctionError"):
                report.still_failing.append(f"{failed.object_key}: {payload[:300]}")
                continue
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            report.redriven.append(failed.object_key)
            say(f"redriven: {failed.object_key} (had failed with: {failed.error[:160]})")
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Replay the failure queues through the function.")
    add_target_arguments(parser, TARGET_NAMES)
    args = parser.parse_args(argv)
    try:
        reached = reach(args.target, args.var_file)
        outputs = reached.outputs()
    except (TargetError, TerraformError) as error:
        print(f"error: {error}")
        return 1
    report = redrive(reached.connection, outputs)
    for line in report.lines():
        print(line)
    return 0 if not report.still_failing and not report.unknown else 1


if __name__ == "__main__":
    sys.exit(main())
