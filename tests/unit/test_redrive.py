"""Failure-queue messages of both layers are read back into the event that failed."""

from __future__ import annotations

import json
from typing import Any

import pytest

from harness.redrive import RedriveReport, UnknownMessage, failed_event

EVENT: dict[str, Any] = {
    "version": "0",
    "id": "e1",
    "detail-type": "Object Created",
    "source": "aws.s3",
    "detail": {"bucket": {"name": "src"}, "object": {"key": "in/a.txt", "sequencer": "0A"}},
}


def test_a_lambda_on_failure_record_gives_its_request_payload_and_last_error() -> None:
    """The record format of Lambda's asynchronous invocation destinations (AWS docs)."""
    record = {
        "version": "1.0",
        "timestamp": "2019-11-14T18:16:05.568Z",
        "requestContext": {
            "requestId": "e4b46cbf-b738-xmpl-8880-a18cdf61200e",
            "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:pipesum:$LATEST",
            "condition": "RetriesExhausted",
            "approximateInvokeCount": 3,
        },
        "requestPayload": EVENT,
        "responseContext": {"statusCode": 200, "functionError": "Unhandled"},
        "responsePayload": {
            "errorType": "ClientError",
            "errorMessage": "AccessDenied on PutObject",
        },
    }
    failed = failed_event(json.dumps(record), {})
    assert failed.event == EVENT
    assert failed.error == "ClientError: AccessDenied on PutObject"
    assert failed.object_key == "in/a.txt"


def test_a_record_without_an_error_payload_names_its_condition() -> None:
    record = {"requestContext": {"condition": "EventAgeExceeded"}, "requestPayload": EVENT}
    assert failed_event(json.dumps(record), {}).error == "EventAgeExceeded"


def test_an_eventbridge_dead_letter_is_the_event_with_its_error_in_attributes() -> None:
    attributes = {
        "ERROR_CODE": {"StringValue": "SDK_CLIENT_ERROR", "DataType": "String"},
        "ERROR_MESSAGE": {"StringValue": "Function throttled", "DataType": "String"},
    }
    failed = failed_event(json.dumps(EVENT), attributes)
    assert (failed.event, failed.error) == (EVENT, "SDK_CLIENT_ERROR: Function throttled")


@pytest.mark.parametrize("body", ["not json", "[1, 2]", '{"detail-type": "Object Deleted"}'])
def test_anything_else_is_refused_and_left_in_its_queue(body: str) -> None:
    with pytest.raises(UnknownMessage):
        failed_event(body, {})


def test_the_report_says_what_to_do_when_some_still_fail() -> None:
    report = RedriveReport(redriven=["a"], still_failing=["b: AccessDenied"])
    assert report.lines() == [
        "still failing: b: AccessDenied",
        (
            "redrive: 1 redriven, 1 still failing, 0 unreadable; "
            "fix the cause and run `make redrive` again"
        ),
    ]
