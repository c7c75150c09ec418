"""Each fix pipesum carries against MiniStack: the defect on MiniStack as upstream ships it, AWS's
behaviour on the patched one (the reports these reproduce: providers/patches/ministack/README.md).

Two emulators of this module's own run side by side, one unpatched and one patched, and every
reproduction runs on both. The day upstream fixes a defect an `upstream` test fails and says so
(drop the patch); the day a patch stops applying the patched emulator does not start.
"""

from __future__ import annotations

import io
import json
import time
import urllib.parse
import urllib.request
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar
from xml.etree import ElementTree

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

from providers import Connection
from providers.ministack import MiniStack
from tests.support.polling import poll

if TYPE_CHECKING:
    import boto3

WAIT_SECONDS = 60.0
#: How long a delivery the unpatched emulator drops is waited for after the invocation ended; the
#: patched emulator delivers it at once (no retries) or after a 1 s backoff (one retry).
QUIET_SECONDS = 8.0
ACCOUNT = "000000000000"
CLOUDWATCH_NAMESPACE = "{http://monitoring.amazonaws.com/doc/2010-08-01/}"

T = TypeVar("T")


def stays(what: str, read: Callable[[], T], holds: Callable[[T], bool], seconds: float) -> T:
    """Read until the deadline, failing as soon as `holds` does not (what did not happen can
    only be watched for a while)."""
    deadline = time.monotonic() + seconds
    while True:
        seen = read()
        if not holds(seen):
            pytest.fail(f"{what}: no longer true; seen: {seen!r}")
        if time.monotonic() > deadline:
            return seen
        time.sleep(0.2)


@dataclass
class Emulator:
    name: str
    connection: Connection
    session: boto3.Session

    def client(self, service: str) -> Any:
        make: Any = self.session.client  # one helper for five services: untyped on purpose
        return make(service, endpoint_url=self.connection.endpoint_url)


@pytest.fixture(scope="module", params=["upstream", "patched"])
def emulator(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Emulator]:
    """MiniStack as upstream ships it, or patched, whatever --target is: its defects are the
    subject."""
    name = request.param
    started = MiniStack(state_dir=tmp_path_factory.mktemp(name), patched=name == "patched")
    connection = started.start()
    try:
        yield Emulator(name, connection, connection.session())
    finally:
        started.stop()


def _zip(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", source)
    return buffer.getvalue()


def _function(emulator: Emulator, source: str, *, retries: int, failures_to: str) -> str:
    """A Python function running `source`, its asynchronous failures sent to `failures_to`."""
    lambda_client = emulator.client("lambda")
    name = f"repro-{uuid.uuid4().hex[:8]}"
    lambda_client.create_function(
        FunctionName=name,
        Runtime="python3.13",
        Role=f"arn:aws:iam::{ACCOUNT}:role/repro",
        Handler="handler.handler",
        Code={"ZipFile": _zip(source)},
        Timeout=30,
    )
    lambda_client.get_waiter("function_active_v2").wait(FunctionName=name)
    lambda_client.put_function_event_invoke_config(
        FunctionName=name,
        MaximumRetryAttempts=retries,
        DestinationConfig={"OnFailure": {"Destination": failures_to}},
    )
    return name


def _queue(emulator: Emulator) -> tuple[str, str]:
    sqs = emulator.client("sqs")
    url = sqs.create_queue(QueueName=f"repro-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    return url, arn["QueueArn"]


def _messages(emulator: Emulator, url: str) -> list[dict[str, Any]]:
    """Every failure record the queue holds now (received, not deleted)."""
    received = emulator.client("sqs").receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0, WaitTimeSeconds=0
    )
    return [json.loads(message["Body"]) for message in received.get("Messages", [])]


def _log_lines(emulator: Emulator, function: str) -> list[str]:
    logs = emulator.client("logs")
    try:
        events = logs.filter_log_events(logGroupName=f"/aws/lambda/{function}")["events"]
    except logs.exceptions.ResourceNotFoundException:
        return []
    return [event["message"] for event in events]


def _runs(emulator: Emulator, function: str) -> list[str]:
    return [line for line in _log_lines(emulator, function) if line.startswith("REPORT")]


FAILING = "def handler(event, context):\n    raise RuntimeError('repro: this function fails')\n"


# --- 0001: EventBridge rule targets are invoked asynchronously -------------------------------


@pytest.mark.behaviour("rule-targets-are-invoked-asynchronously", emulator="ministack")
def test_rule_target_failures_are_retried_then_sent_to_the_on_failure_destination(
    emulator: Emulator,
) -> None:
    """AWS: a rule's Lambda target is an asynchronous invocation: MaximumRetryAttempts=1 runs
    the failing function twice, then the event goes to the on-failure destination. Upstream runs
    it once on a thread of its own and drops the failure."""
    # GIVEN a failing function with one retry and an on-failure queue, and a rule targeting it
    queue_url, queue_arn = _queue(emulator)
    function = _function(emulator, FAILING, retries=1, failures_to=queue_arn)
    function_arn = emulator.client("lambda").get_function(FunctionName=function)["Configuration"][
        "FunctionArn"
    ]
    events = emulator.client("events")
    source = f"pipesum.repro.{function}"
    events.put_rule(Name=function, EventPattern=json.dumps({"source": [source]}))
    events.put_targets(Rule=function, Targets=[{"Id": "function", "Arn": function_arn}])

    # WHEN an event matches the rule
    events.put_events(
        Entries=[{"Source": source, "DetailType": "repro", "Detail": json.dumps({"n": 1})}]
    )

    # THEN
    poll("the function's first run", lambda: _runs(emulator, function), bool, WAIT_SECONDS)
    if emulator.name == "upstream":
        stays(
            "upstream MiniStack runs a failing rule target once and drops the failure (if not: "
            "drop 0001-eventbridge-lambda-targets-invoke-asynchronously.patch)",
            lambda: (len(_runs(emulator, function)), _messages(emulator, queue_url)),
            lambda seen: seen == (1, []),
            QUIET_SECONDS,
        )
        return
    failures = poll("the on-failure record", lambda: _messages(emulator, queue_url), bool, 30)
    runs = _runs(emulator, function)
    assert len(runs) == 2
    assert len(failures) == 1
    assert failures[0]["requestContext"]["condition"] == "RetriesExhausted"
    assert failures[0]["requestPayload"]["detail"] == {"n": 1}


# --- 0002: throttled asynchronous invocations are retried, not failed -------------------------

SLOW = (
    "import time\ndef handler(event, context):\n    print('ran', event['n'])\n    time.sleep(1.0)\n"
)


@pytest.mark.behaviour("throttled-events-wait-for-capacity", emulator="ministack")
def test_throttled_async_invocations_wait_for_capacity(emulator: Emulator) -> None:
    """AWS: an asynchronous event throttled by the function's reserve is retried with backoff
    until its maximum age, without using up its retry attempts. Upstream counts each throttle as
    a failed attempt, so with MaximumRetryAttempts=0 the throttled events fail at once."""
    # GIVEN a one-second function reserved to 1 concurrent run, no retries, an on-failure queue
    queue_url, queue_arn = _queue(emulator)
    function = _function(emulator, SLOW, retries=0, failures_to=queue_arn)
    lambda_client = emulator.client("lambda")
    lambda_client.put_function_concurrency(FunctionName=function, ReservedConcurrentExecutions=1)

    # WHEN three events are invoked asynchronously at once
    for number in range(3):
        lambda_client.invoke(
            FunctionName=function, InvocationType="Event", Payload=json.dumps({"n": number})
        )

    # THEN
    if emulator.name == "upstream":
        failures = poll(
            "two throttle failures",
            lambda: _messages(emulator, queue_url),
            lambda seen: len(seen) >= 2,
            WAIT_SECONDS,
        )
        assert [failure["responsePayload"].get("__type") for failure in failures] == [
            "TooManyRequestsException"
        ] * 2, "upstream MiniStack changed how it fails throttled events: recheck 0002"
        return
    ran = poll(
        "all three events run",
        lambda: sorted(line for line in _log_lines(emulator, function) if line.startswith("ran")),
        lambda seen: len(seen) >= 3,
        WAIT_SECONDS,
    )
    assert [line.split()[:2] for line in ran] == [["ran", "0"], ["ran", "1"], ["ran", "2"]]
    assert _messages(emulator, queue_url) == []


# --- 0003: GetObject of a version honours Range -----------------------------------------------


@pytest.mark.behaviour("ranged-reads-of-a-version", emulator="ministack")
def test_ranged_read_of_a_version_returns_the_range(emulator: Emulator) -> None:
    """AWS: GetObject with VersionId and Range answers 206 with the range. Upstream answers 200
    with the whole version."""
    s3 = emulator.client("s3")
    bucket = f"repro-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    body = bytes(range(256)) * 4
    version = s3.put_object(Bucket=bucket, Key="k", Body=body)["VersionId"]

    read = s3.get_object(Bucket=bucket, Key="k", VersionId=version, Range="bytes=100-199")

    status, content = read["ResponseMetadata"]["HTTPStatusCode"], read["Body"].read()
    if emulator.name == "upstream":
        assert (status, content) == (200, body), (
            "upstream MiniStack now honours Range on versions: "
            "drop 0003-s3-get-object-version-honours-range.patch"
        )
        return
    assert (status, read["ContentRange"], content) == (206, "bytes 100-199/1024", body[100:200])


# --- 0004: DescribeAlarms over the Query protocol returns every member --------------------------

ALARM = {
    "AlarmDescription": 'Errors & <throttles> of "repro"',
    "ActionsEnabled": "true",
    "AlarmActions.member.1": f"arn:aws:sns:us-east-1:{ACCOUNT}:alarms",
    "OKActions.member.1": f"arn:aws:sns:us-east-1:{ACCOUNT}:alarms-ok",
    "MetricName": "Errors",
    "Namespace": "AWS/Lambda",
    "Statistic": "Sum",
    "Dimensions.member.1.Name": "FunctionName",
    "Dimensions.member.1.Value": "repro",
    "Period": "300",
    "EvaluationPeriods": "1",
    "Threshold": "0.0",
    "ComparisonOperator": "GreaterThanThreshold",
    "TreatMissingData": "notBreaching",
}


def _query(emulator: Emulator, action: str, parameters: dict[str, str]) -> ElementTree.Element:
    """One signed CloudWatch Query-protocol call (the protocol the Terraform provider uses)."""
    body = urllib.parse.urlencode({"Action": action, "Version": "2010-08-01", **parameters})
    url = f"{emulator.connection.endpoint_url}/"
    request = AWSRequest(
        method="POST",
        url=url,
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    credentials = emulator.session.get_credentials()
    assert credentials is not None
    SigV4Auth(credentials, "monitoring", emulator.connection.region).add_auth(request)
    sent = urllib.request.Request(  # noqa: S310  (the emulator, on loopback)
        url, data=body.encode(), headers=dict(request.headers), method="POST"
    )
    with urllib.request.urlopen(sent, timeout=30) as response:  # noqa: S310  (as above)
        return ElementTree.fromstring(response.read())  # noqa: S314  (our own emulator's answer)


def _described(alarm: ElementTree.Element) -> dict[str, str]:
    """The members of a described alarm, flattened as the request names them."""
    flat: dict[str, str] = {}
    for child in alarm:
        name = child.tag.removeprefix(CLOUDWATCH_NAMESPACE)
        members = child.findall(f"{CLOUDWATCH_NAMESPACE}member")
        if not members:
            flat[name] = child.text or ""
        for index, member in enumerate(members, start=1):
            if len(member) == 0:
                flat[f"{name}.member.{index}"] = member.text or ""
            for field in member:
                key = f"{name}.member.{index}.{field.tag.removeprefix(CLOUDWATCH_NAMESPACE)}"
                flat[key] = field.text or ""
    return flat


@pytest.mark.behaviour("alarms-read-back-as-written", emulator="ministack")
def test_described_alarms_carry_every_member(emulator: Emulator) -> None:
    """AWS: DescribeAlarms returns each alarm as it was put. Upstream's Query answer leaves out
    eight members (so `terraform plan` always shows the provider's alarms changing)."""
    name = f"repro-{uuid.uuid4().hex[:8]}"
    _query(emulator, "PutMetricAlarm", {"AlarmName": name, **ALARM})

    answer = _query(emulator, "DescribeAlarms", {"AlarmNames.member.1": name})

    alarms = answer.findall(f".//{CLOUDWATCH_NAMESPACE}MetricAlarms/{CLOUDWATCH_NAMESPACE}member")
    assert len(alarms) == 1
    described = _described(alarms[0])
    differing = sorted(key for key, value in ALARM.items() if described.get(key) != value)
    if emulator.name == "upstream":
        assert differing == sorted(
            [
                "ActionsEnabled",
                "AlarmActions.member.1",
                "AlarmDescription",
                "Dimensions.member.1.Name",
                "Dimensions.member.1.Value",
                "OKActions.member.1",
                "Period",
                "Statistic",
                "TreatMissingData",
            ]
        ), "upstream MiniStack's DescribeAlarms changed: recheck 0004"
        return
    assert differing == [], {key: described.get(key) for key in differing}


# --- 0005: a runtime that dies mid-invocation is reported as Lambda reports it ---------------

KILLED_ITSELF = (
    "import os, signal\ndef handler(event, context):\n    os.kill(os.getpid(), signal.SIGKILL)\n"
)


@pytest.mark.behaviour("a-crash-is-a-runtime-exit-error", emulator="ministack")
def test_a_runtime_killed_mid_invocation_is_a_runtime_exit_error(emulator: Emulator) -> None:
    """AWS: Runtime.ExitError, "RequestId: ... Error: Runtime exited with error: signal:
    killed". Upstream answers Runtime.HandlerError "Worker process died"."""
    queue_url, queue_arn = _queue(emulator)
    function = _function(emulator, KILLED_ITSELF, retries=0, failures_to=queue_arn)

    answer = emulator.client("lambda").invoke(FunctionName=function, Payload=b"{}")
    error = json.loads(answer["Payload"].read())

    assert answer.get("FunctionError") == "Unhandled"
    if emulator.name == "upstream":
        assert error == {
            "errorMessage": "Worker process died",
            "errorType": "Runtime.HandlerError",
        }, (
            "upstream reports a runtime exit as Lambda does now: drop "
            "0005-lambda-runtime-exit-reported-as-lambda-does.patch"
        )
        return
    assert error["errorType"] == "Runtime.ExitError"
    assert error["errorMessage"].endswith("Error: Runtime exited with error: signal: killed")
    assert error["errorMessage"].startswith("RequestId: ")
    assert _messages(emulator, queue_url) == []  # a synchronous invocation: no failure record
