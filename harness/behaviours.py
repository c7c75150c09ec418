"""The behaviours of AWS the pipeline relies on, as its tests show them in docs/emulator-gaps.md.

A test that shows a behaviour is marked `@pytest.mark.behaviour("<id>")`, with `emulator=` when it
starts the emulator it is about rather than running on `--target`
(tests/support/behaviour_plugin.py). Each behaviour says what AWS documents, where, and the fix
pipesum carries where an emulator as shipped does otherwise; whether each emulator does it is
only ever read from the tests' records (harness/emulator_gaps.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field

EMULATORS = ("ministack", "localstack")
MINISTACK_PATCHES = "providers/patches/ministack"
LOCALSTACK_PATCHES = "providers/patches/localstack"
PROCESS_EXECUTOR = "providers/lambda_process"


@dataclass(frozen=True)
class Fix:
    """What pipesum carries so that an emulator behaves as AWS: a patch file, or its own code."""

    path: str
    title: str


@dataclass(frozen=True)
class Behaviour:
    id: str
    relied_on: str
    aws: str
    source: str
    fixes: dict[str, Fix] = field(default_factory=dict)
    #: Emulators whose tests of this behaviour are not run, and why.
    not_run: dict[str, str] = field(default_factory=dict)


def _ministack(patch: str) -> Fix:
    return Fix(f"{MINISTACK_PATCHES}/{patch}.patch", f"patch {patch.split('-', 1)[0]}")


def _localstack(patch: str) -> Fix:
    return Fix(f"{LOCALSTACK_PATCHES}/{patch}.patch", f"patch {patch.split('-', 1)[0]}")


_EXECUTOR = Fix(PROCESS_EXECUTOR, "pipesum's process executor")
_LAMBDA_ASYNC = "https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html"
_S3_EVENTBRIDGE = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/EventBridge.html"

BEHAVIOURS = (
    Behaviour(
        "s3-object-created-reaches-the-function",
        "An object put in the source bucket reaches the function as an Object Created event of "
        "S3's EventBridge notifications, through a rule scoped to the bucket",
        "S3 sends Object Created events to EventBridge when EventBridge is enabled on the bucket",
        _S3_EVENTBRIDGE,
    ),
    Behaviour(
        "functions-run-on-python-3-13",
        "The function runs from its zip on python3.13 with its handler, environment, memory size "
        "and timeout as deployed",
        "Lambda runs the function's code on the runtime and configuration it was given",
        "https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html",
        fixes={"localstack": _EXECUTOR},
    ),
    Behaviour(
        "rule-targets-are-invoked-asynchronously",
        "A failed invocation from the rule is retried, then recorded in the on-failure queue",
        "EventBridge invokes a Lambda target asynchronously; Lambda retries a function error "
        "twice by default, then sends the record to the on-failure destination",
        _LAMBDA_ASYNC,
        fixes={"ministack": _ministack("0001-eventbridge-lambda-targets-invoke-asynchronously")},
    ),
    Behaviour(
        "throttled-events-wait-for-capacity",
        "A burst beyond the function's reserved concurrency is run later, not lost",
        "For throttling errors Lambda returns the event to the queue and tries again for up to "
        "6 hours; throttles do not use up MaximumRetryAttempts",
        _LAMBDA_ASYNC,
        fixes={"ministack": _ministack("0002-lambda-async-throttles-retried-until-event-age")},
    ),
    Behaviour(
        "throttles-are-counted",
        "The function-throttles alarm sees a throttled invocation",
        "AWS/Lambda Throttles: the number of invocation requests that are throttled",
        "https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html",
        fixes={"localstack": _localstack("0003-lambda-throttles-metric")},
    ),
    Behaviour(
        "events-after-an-update-run-at-once",
        "Files dropped right after a configuration change are processed at once",
        "Every accepted asynchronous invocation runs; an update does not hold events back",
        _LAMBDA_ASYNC,
        fixes={"localstack": _localstack("0004-lambda-async-events-handed-back-on-update")},
    ),
    Behaviour(
        "a-crash-is-a-runtime-exit-error",
        "A function killed mid-write is reported as a crash, and its event retried",
        'Runtime.ExitError: "Runtime exited with error: signal: killed" (or "exit status N")',
        "https://docs.aws.amazon.com/lambda/latest/dg/python-exceptions.html",
        fixes={
            "ministack": _ministack("0005-lambda-runtime-exit-reported-as-lambda-does"),
            "localstack": _EXECUTOR,
        },
    ),
    Behaviour(
        "a-timeout-ends-the-invocation",
        "A function past its timeout is stopped and reported, and its event retried",
        '"Task timed out after N seconds"; the invocation ends with Status: timeout',
        "https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html",
        fixes={"localstack": _EXECUTOR},
    ),
    Behaviour(
        "ranged-reads-of-a-version",
        "The function reads the first bytes of the version it was told about, not all of it",
        "GetObject with VersionId and Range answers 206 with the range",
        "https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html",
        fixes={"ministack": _ministack("0003-s3-get-object-version-honours-range")},
    ),
    Behaviour(
        "sequencers-order-a-key-s-events",
        "Of two versions of one key, the later event wins",
        "For the same object key, a later event has a greater sequencer value",
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html",
        fixes={"localstack": _localstack("0005-s3-event-sequencer-increases")},
    ),
    Behaviour(
        "conditional-deletes",
        "A valid version removes the rejected one's report only if it is still the report read",
        "DeleteObject with If-Match on general purpose buckets: 412 PreconditionFailed unless the "
        "current version has that ETag",
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-deletes.html",
        fixes={"localstack": _localstack("0006-s3-conditional-delete")},
    ),
    Behaviour(
        "alarms-read-back-as-written",
        "terraform plan right after apply shows no change to the alarms",
        "DescribeAlarms returns each alarm as it was put",
        "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html",
        fixes={"ministack": _ministack("0004-cloudwatch-describe-alarms-query-members")},
    ),
    Behaviour(
        "alarm-tags-given-at-creation",
        "terraform plan right after apply shows no change to the alarms' tags",
        "PutMetricAlarm's Tags are applied to a new alarm",
        "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html",
        fixes={"localstack": _localstack("0002-cloudwatch-alarm-creation-tags")},
    ),
    Behaviour(
        "function-kms-key-read-back",
        "terraform plan right after apply shows no change to the function's KMS key",
        "KMSKeyArn is returned if you've configured a customer managed key",
        "https://docs.aws.amazon.com/lambda/latest/api/API_FunctionConfiguration.html",
        fixes={"localstack": _localstack("0001-lambda-function-kms-key-arn")},
    ),
    Behaviour(
        "identity-policies-are-enforced",
        "The function's role may do what the function needs and nothing else",
        "A request is allowed only if an identity-based or resource-based policy allows it and "
        "no policy denies it",
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html",
        not_run={
            "localstack": "its community edition does not enforce IAM; the tests run on "
            "MiniStack with AUTH=true, and the policy simulation covers what it does not"
        },
    ),
)


def by_id() -> dict[str, Behaviour]:
    return {behaviour.id: behaviour for behaviour in BEHAVIOURS}
