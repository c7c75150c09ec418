"""LocalStack as the localstack target runs it: the process executor through LocalStack's own Lambda
service, and each fix pipesum carries against LocalStack (providers/patches/localstack/README.md).

Two LocalStacks of this module's own run side by side, one as upstream ships it and one patched;
the executor is in both (without it LocalStack runs no function here). The `upstream` cases assert
each defect is still there (the day upstream fixes one, its case fails and says which patch to
drop); the `patched` ones assert AWS's behaviour.
"""

from __future__ import annotations

import io
import json
import re
import time
import uuid
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.config import Config

from providers.emulator_process import alive
from providers.localstack_process import LocalStackProcess
from tests.support.polling import poll

WAIT_SECONDS = 60.0
ROLE = "arn:aws:iam::000000000000:role/lambda-role"
HANDLERS = b"""\
import json, os, sys, time

def answer(event, context):
    time.sleep(event.get("sleep", 0))
    return {"pid": os.getpid(), "python": sys.version.split()[0],
            "colour": os.environ.get("COLOUR"),
            "memory": os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]}

def sleep(event, context):
    print("going to sleep")
    time.sleep(30)

def crash(event, context):
    print("about to exit", flush=True)
    os._exit(7)
"""


def code_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", HANDLERS)
    return buffer.getvalue()


@dataclass
class Running:
    name: str
    emulator: LocalStackProcess

    def client(self, service: str, config: Config | None = None) -> Any:
        connection = self.emulator.connection()
        make: Any = connection.session().client  # one helper for several services: untyped
        return make(service, endpoint_url=connection.endpoint_url, config=config)

    def function(self, handler: str, *, timeout: int = 30, **settings: Any) -> str:
        """A new function running `handler` of HANDLERS, once it is Active."""
        lambda_ = self.client("lambda")
        name = f"{handler.rsplit('.', maxsplit=1)[-1]}-{uuid.uuid4().hex[:8]}"
        lambda_.create_function(
            FunctionName=name,
            Runtime="python3.13",
            Role=ROLE,
            Handler=handler,
            Code={"ZipFile": code_zip()},
            Timeout=timeout,
            MemorySize=256,
            **settings,
        )
        lambda_.get_waiter("function_active_v2").wait(FunctionName=name)
        return name

    def invoke(self, name: str, event: dict[str, Any] | None = None) -> tuple[str | None, Any]:
        """(FunctionError, the answer) of a synchronous invocation."""
        answer = self.client("lambda").invoke(
            FunctionName=name, Payload=json.dumps(event or {}).encode()
        )
        return answer.get("FunctionError"), json.loads(answer["Payload"].read())

    def log_text(self, name: str) -> str:
        logs = self.client("logs")
        group = f"/aws/lambda/{name}"
        try:
            streams = logs.describe_log_streams(logGroupName=group)["logStreams"]
        except logs.exceptions.ResourceNotFoundException:
            return ""
        return "".join(
            event["message"]
            for stream in streams
            for event in logs.get_log_events(
                logGroupName=group, logStreamName=stream["logStreamName"]
            )["events"]
        )


@pytest.fixture(scope="module", params=["upstream", "patched"])
def localstack(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Running]:
    name = request.param
    emulator = LocalStackProcess(
        state_dir=tmp_path_factory.mktemp(f"localstack-{name}"), patched=name == "patched"
    )
    with emulator:
        yield Running(name, emulator)


@pytest.fixture(scope="module")
def patched(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    emulator = LocalStackProcess(state_dir=tmp_path_factory.mktemp("localstack-executor"))
    with emulator:
        yield Running("patched", emulator)


# --- the fixes ----------------------------------------------------------------------------------


@pytest.mark.behaviour("function-kms-key-read-back", emulator="localstack")
def test_a_function_s_kms_key_is_stored_and_returned(localstack: Running) -> None:
    """0001: CreateFunction and UpdateFunctionConfiguration take KMSKeyArn; every read returns
    it (AWS: "only returned if you've configured a customer managed key")."""
    kms, lambda_ = localstack.client("kms"), localstack.client("lambda")
    first, second = (kms.create_key()["KeyMetadata"]["Arn"] for _ in range(2))
    name = localstack.function("app.answer", KMSKeyArn=first)

    created = lambda_.get_function_configuration(FunctionName=name).get("KMSKeyArn")
    lambda_.update_function_configuration(FunctionName=name, KMSKeyArn=second)
    lambda_.get_waiter("function_updated_v2").wait(FunctionName=name)
    updated = lambda_.get_function(FunctionName=name)["Configuration"].get("KMSKeyArn")

    if localstack.name == "upstream":
        assert (created, updated) == (None, None), "upstream keeps KMSKeyArn now: drop 0001"
    else:
        assert (created, updated) == (first, second)


@pytest.mark.behaviour("alarm-tags-given-at-creation", emulator="localstack")
def test_an_alarm_s_tags_given_at_creation_are_kept(localstack: Running) -> None:
    """0002: PutMetricAlarm's Tags are the new alarm's tags (ListTagsForResource)."""
    cloudwatch = localstack.client("cloudwatch")
    name = f"alarm-{uuid.uuid4().hex[:8]}"
    tags = [{"Key": "Project", "Value": "pipesum"}]
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        MetricName="Errors",
        Namespace="AWS/Lambda",
        Statistic="Sum",
        Period=300,
        EvaluationPeriods=1,
        Threshold=0,
        ComparisonOperator="GreaterThanThreshold",
        Tags=tags,
    )
    arn = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"][0]["AlarmArn"]

    kept = cloudwatch.list_tags_for_resource(ResourceARN=arn)["Tags"]

    if localstack.name == "upstream":
        assert kept == [], "upstream keeps an alarm's creation tags now: drop 0002"
    else:
        assert kept == tags


@pytest.mark.behaviour("throttles-are-counted", emulator="localstack")
def test_a_throttled_invocation_counts_in_the_throttles_metric(localstack: Running) -> None:
    """0003: AWS/Lambda Throttles counts invocation requests refused for want of concurrency."""
    lambda_ = localstack.client("lambda", Config(retries={"total_max_attempts": 1}))
    name = localstack.function("app.answer")
    lambda_.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    with pytest.raises(lambda_.exceptions.TooManyRequestsException):
        lambda_.invoke(FunctionName=name, Payload=b"{}")

    def throttles() -> float:
        points = localstack.client("cloudwatch").get_metric_statistics(
            Namespace="AWS/Lambda",
            MetricName="Throttles",
            Dimensions=[{"Name": "FunctionName", "Value": name}],
            StartTime=datetime.now(UTC) - timedelta(minutes=5),
            EndTime=datetime.now(UTC) + timedelta(minutes=5),
            Period=60,
            Statistics=["Sum"],
        )["Datapoints"]
        return float(sum(point["Sum"] for point in points))

    if localstack.name == "upstream":
        # published at once or never: a thread of its own, as the other invocation metrics
        seen = [throttles() for _ in range(10)]
        assert seen == [0.0] * 10, "upstream counts throttles now: drop 0003"
    else:
        assert poll("the Throttles datapoint", throttles, lambda total: total > 0, 30) == 1.0


@pytest.mark.behaviour("events-after-an-update-run-at-once", emulator="localstack")
def test_events_sent_right_after_an_update_are_run_at_once(localstack: Running) -> None:
    """0004: asynchronous invocations made just after UpdateFunctionConfiguration all run within
    seconds; upstream, one the old version's poller had received waits out the queue's
    visibility timeout (the function's timeout + 60 s)."""
    lambda_ = localstack.client("lambda")
    name = localstack.function("app.answer", timeout=30)
    rounds, events = 5, 10
    late = 0
    for round_ in range(rounds):
        lambda_.update_function_configuration(
            FunctionName=name, Environment={"Variables": {"COLOUR": f"round-{round_}"}}
        )
        lambda_.get_waiter("function_updated_v2").wait(FunctionName=name)
        since = int(time.time() * 1000)
        for _ in range(events):
            lambda_.invoke(FunctionName=name, InvocationType="Event", Payload=b"{}")
        ran = _reports_within(localstack, name, since, events, seconds=15)
        late += events - min(ran, events)
    if localstack.name == "upstream":
        assert late > 0, "no event waited in 5 rounds: upstream may hand them back now (0004)"
    else:
        assert late == 0


@pytest.mark.behaviour("sequencers-order-a-key-s-events", emulator="localstack")
def test_the_sequencer_of_a_key_s_events_grows(localstack: Running) -> None:
    """0005: S3's EventBridge events carry a sequencer greater for a later event on a key."""
    s3, events, sqs = localstack.client("s3"), localstack.client("events"), localstack.client("sqs")
    bucket = f"repro-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration={"EventBridgeConfiguration": {}}
    )
    url = sqs.create_queue(QueueName=bucket)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    events.put_rule(
        Name=bucket,
        EventPattern=json.dumps({"source": ["aws.s3"], "detail": {"bucket": {"name": [bucket]}}}),
    )
    events.put_targets(Rule=bucket, Targets=[{"Id": "queue", "Arn": arn["QueueArn"]}])
    for body in (b"1", b"2", b"3"):
        s3.put_object(Bucket=bucket, Key="k", Body=body)

    def sequencers() -> list[str]:
        received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for message in received.get("Messages", []):
            seen.append(json.loads(message["Body"])["detail"]["object"]["sequencer"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return seen

    seen: list[str] = []
    found = poll("three events", sequencers, lambda got: len(got) >= 3, 30)
    if localstack.name == "upstream":
        assert len(set(found)) == 1, "upstream's sequencers differ now: drop 0005"
    else:
        assert len(set(found)) == 3
        assert sorted(found) == sorted(found, key=lambda value: int(value, 16))


@pytest.mark.behaviour("conditional-deletes", emulator="localstack")
def test_a_conditional_delete_acts_only_on_the_etag_it_names(localstack: Running) -> None:
    """0006: DeleteObject with If-Match on a general purpose (versioned) bucket: 412 for another
    ETag, the object deleted (a delete marker) for its own."""
    s3 = localstack.client("s3")
    bucket = f"repro-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    etag = s3.put_object(Bucket=bucket, Key="k", Body=b"x")["ETag"]

    def delete(if_match: str) -> str:
        try:
            answer = s3.delete_object(Bucket=bucket, Key="k", IfMatch=if_match)
        except s3.exceptions.ClientError as error:
            return str(error.response["Error"]["Code"])
        return "deleted" if answer.get("DeleteMarker") else "no delete marker"

    refused, done = delete('"0123456789abcdef0123456789abcdef"'), delete(etag)

    if localstack.name == "upstream":
        assert (refused, done) == ("NotImplemented", "NotImplemented"), "drop 0006"
    else:
        assert (refused, done) == ("PreconditionFailed", "deleted")
        assert s3.list_objects_v2(Bucket=bucket).get("KeyCount") == 0


def _reports_since(localstack: Running, name: str, since_ms: int) -> int:
    logs = localstack.client("logs")
    try:
        found = logs.filter_log_events(
            logGroupName=f"/aws/lambda/{name}", startTime=since_ms, filterPattern="REPORT"
        )["events"]
    except logs.exceptions.ResourceNotFoundException:
        return 0
    return sum(event["message"].startswith("REPORT") for event in found)


def _reports_within(
    localstack: Running, name: str, since_ms: int, expected: int, *, seconds: float
) -> int:
    """The runs counted once `expected` have run or `seconds` have passed, whichever is first."""
    deadline = time.monotonic() + seconds
    while (count := _reports_since(localstack, name, since_ms)) < expected:
        if time.monotonic() > deadline:
            break
        time.sleep(0.2)
    return count


# --- the process executor, through LocalStack's Lambda --------------------------------------------


@pytest.mark.behaviour("functions-run-on-python-3-13", emulator="localstack")
def test_a_function_runs_on_the_runtime_s_python_with_its_configuration(patched: Running) -> None:
    name = patched.function("app.answer", Environment={"Variables": {"COLOUR": "blue"}})

    error, answer = patched.invoke(name)

    assert error is None
    assert answer["python"].startswith("3.13.")
    assert (answer["colour"], answer["memory"]) == ("blue", "256")
    log = poll("the REPORT line", lambda: patched.log_text(name), lambda t: "REPORT" in t, 30)
    assert re.search(r"Memory Size: 256 MB\tMax Memory Used: \d+ MB\tInit Duration: ", log), log


@pytest.mark.behaviour("a-timeout-ends-the-invocation", emulator="localstack")
def test_a_timeout_is_reported_as_lambda_reports_it(patched: Running) -> None:
    name = patched.function("app.sleep", timeout=1)

    error, answer = patched.invoke(name)

    assert error == "Unhandled"
    assert answer["errorType"] == "Sandbox.Timedout"
    assert answer["errorMessage"].endswith("Error: Task timed out after 1.00 seconds")
    log = poll("the REPORT line", lambda: patched.log_text(name), lambda t: "REPORT" in t, 30)
    assert "going to sleep\n" in log
    assert re.search(r"Z \S+ Task timed out after 1\.00 seconds\n", log), log
    assert "\tStatus: timeout" in log


@pytest.mark.behaviour("a-crash-is-a-runtime-exit-error", emulator="localstack")
def test_a_crash_is_reported_as_runtime_exit_error(patched: Running) -> None:
    name = patched.function("app.crash")

    error, answer = patched.invoke(name)

    assert error == "Unhandled"
    assert answer["errorType"] == "Runtime.ExitError"
    assert answer["errorMessage"].endswith("Error: Runtime exited with error: exit status 7")
    log = poll("the REPORT line", lambda: patched.log_text(name), lambda t: "REPORT" in t, 30)
    assert "about to exit\n" in log
    assert "Runtime.ExitError\n" in log


@pytest.mark.behaviour("functions-run-on-python-3-13", emulator="localstack")
def test_environments_are_reused_warm_run_side_by_side_and_retired_on_change(
    patched: Running,
) -> None:
    lambda_ = patched.client("lambda")
    name = patched.function("app.answer", Environment={"Variables": {"COLOUR": "red"}})
    _, first = patched.invoke(name)
    _, again = patched.invoke(name)
    assert again["pid"] == first["pid"]  # warm

    with ThreadPoolExecutor(max_workers=3) as pool:
        together = list(pool.map(lambda _: patched.invoke(name, {"sleep": 2})[1], range(3)))
    assert len({answer["pid"] for answer in together}) == 3  # an environment each

    lambda_.update_function_configuration(
        FunctionName=name, Environment={"Variables": {"COLOUR": "green"}}
    )
    lambda_.get_waiter("function_updated_v2").wait(FunctionName=name)
    _, changed = patched.invoke(name)
    assert changed["colour"] == "green"
    assert changed["pid"] not in {answer["pid"] for answer in [first, *together]}
    for old in {answer["pid"] for answer in [first, *together]}:
        poll(f"runtime {old} to end", lambda pid=old: alive(pid), lambda alive: not alive, 30)


def test_reserved_concurrency_throttles_what_exceeds_it(patched: Running) -> None:
    lambda_ = patched.client("lambda")
    name = patched.function("app.answer")
    lambda_.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)

    def second_call() -> str:
        try:
            lambda_.invoke(FunctionName=name, Payload=b"{}")
        except lambda_.exceptions.TooManyRequestsException:
            return "throttled"
        return "ran"

    with ThreadPoolExecutor(max_workers=1) as pool:
        busy = pool.submit(patched.invoke, name, {"sleep": 10})
        poll(
            "a call beside the one holding the reserve to be throttled",
            second_call,
            lambda seen: seen == "throttled",
            8,
        )
        assert busy.result()[0] is None


def test_stopping_localstack_stops_every_runtime(tmp_path: Path) -> None:
    emulator = LocalStackProcess(state_dir=tmp_path / "localstack")
    with emulator:
        running = Running("patched", emulator)
        name = running.function("app.answer")
        pid = running.invoke(name)[1]["pid"]
        assert alive(pid)
    assert not alive(pid)
