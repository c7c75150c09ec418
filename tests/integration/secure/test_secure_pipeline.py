"""The hardened pipeline end to end with IAM enforced and TLS only, its policies as deployed.

The function runs under its execution role here (MiniStack under AUTH=true gives a Lambda worker
that role's session credentials: ministack/core/lambda_runtime.py, execution_credentials), so an
output proves the role is enough for the whole path: ranged reads of the source, the ordering
check and the write in the destination, SSE-KMS on both sides, all over HTTPS.
"""

from __future__ import annotations

import json
import socket
import ssl
import time
import urllib.request
import uuid

import pytest

from harness.pipeline import Pipeline
from harness.stack import StackOutputs
from kit.paths import REPO_ROOT
from providers.ministack import MiniStack
from tests.integration.secure.support import (
    SMALL_INPUT,
    SMALL_OUTPUT,
    WAIT_SECONDS,
    ClientFactory,
    Identity,
    SecureResources,
    as_plain_http,
    assert_denied_by_resource_policy,
)

SAMPLE_OUTPUT = b"sbx|dev|tst|prd|srd\n7101|3501|0862|4284|7437\n23185\n"


def test_the_emulator_enforces_iam_and_answers_plain_http_with_nothing(
    secure_target: MiniStack,
) -> None:
    """It reports auth enabled over HTTPS (trusting its certificate only), and a plain-HTTP
    request on the same port gets the connection closed without a byte of answer."""
    context = ssl.create_default_context(cafile=str(secure_target.cert_path))
    health_url = f"{secure_target.endpoint_url}/_ministack/health"
    assert health_url.startswith("https://")
    with urllib.request.urlopen(health_url, timeout=5, context=context) as response:  # noqa: S310
        assert json.load(response)["auth"] == "enabled"

    with socket.create_connection(("127.0.0.1", secure_target.port), timeout=5) as plain:
        plain.sendall(b"GET /_ministack/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert plain.recv(64) == b""


@pytest.mark.parametrize("bucket", ["source", "destination"])
def test_the_buckets_keep_their_tls_only_policy(
    secure_outputs: StackOutputs, admin_client: ClientFactory, bucket: str
) -> None:
    """Each data bucket's policy, read back from the emulator, still denies every S3 action
    on the bucket and its objects to any principal over plain HTTP."""
    name = getattr(secure_outputs, f"{bucket}_bucket")
    policy = json.loads(admin_client("s3").get_bucket_policy(Bucket=name)["Policy"])
    statements = {statement["Sid"]: statement for statement in policy["Statement"]}
    assert statements["DenyInsecureTransport"] == {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def test_the_function_failure_queue_keeps_its_tls_only_policy(
    secure_resources: SecureResources, admin_client: ClientFactory
) -> None:
    """The on-failure queue's policy still denies every SQS action over plain HTTP."""
    attributes = admin_client("sqs").get_queue_attributes(
        QueueUrl=secure_resources.function_failure_queue_url, AttributeNames=["Policy"]
    )["Attributes"]
    policy = json.loads(attributes["Policy"])
    assert policy["Statement"] == [
        {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "sqs:*",
            "Resource": secure_resources.function_failure_queue_arn,
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
    ]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(SMALL_INPUT, SMALL_OUTPUT, id="two-columns"),
        pytest.param((REPO_ROOT / "triggerFile.txt").read_bytes(), SAMPLE_OUTPUT, id="sample"),
    ],
)
def test_a_dropped_file_is_summed_by_the_function_under_its_own_role(
    secure_pipeline: Pipeline,
    secure_outputs: StackOutputs,
    secure_resources: SecureResources,
    admin_client: ClientFactory,
    body: bytes,
    expected: bytes,
) -> None:
    """With IAM enforced and only TLS served, a file dropped into the source bucket gets its
    output in the destination, byte for byte, written by the function running as its role."""
    # GIVEN the function configured with its own execution role
    configuration = admin_client("lambda").get_function_configuration(
        FunctionName=secure_outputs.function_name
    )
    assert configuration["Role"] == secure_resources.function_role_arn
    # WHEN a file is dropped into the source bucket
    key = f"secure-{uuid.uuid4().hex[:8]}/triggerFile.txt"
    dropped_at = time.time()
    secure_pipeline.drop(key, body)
    # THEN its output is in the destination under the same key
    outcome = secure_pipeline.wait_for_outcome(key, timeout=WAIT_SECONDS, since=dropped_at)
    assert (outcome.kind, outcome.key, outcome.body) == ("output", key, expected)


def test_what_the_role_may_do_over_tls_is_denied_over_plain_http(
    function_role: Identity,
    secure_outputs: StackOutputs,
    secure_resources: SecureResources,
    processed_key: str,
) -> None:
    """The TLS-only policies are evaluated: the role reads the source and writes the destination
    over TLS, and the very same calls seen as plain HTTP are denied by the bucket policies'
    explicit deny (and a send to the failure queue by the queue's), whatever the role allows."""
    s3 = function_role.client("s3")
    source = s3.get_object(Bucket=secure_outputs.source_bucket, Key=processed_key)
    assert source["Body"].read() == SMALL_INPUT
    probe_key = f"tls-probe-{uuid.uuid4().hex[:8]}.txt"
    s3.put_object(Bucket=secure_outputs.destination_bucket, Key=probe_key, Body=b"over TLS")

    plain_s3 = as_plain_http(function_role.client("s3"))
    assert_denied_by_resource_policy(
        lambda: plain_s3.get_object(Bucket=secure_outputs.source_bucket, Key=processed_key),
        action="s3:GetObject",
        resource=f'"arn:aws:s3:::{secure_outputs.source_bucket}/{processed_key}"',
        who=function_role.arn,
    )
    assert_denied_by_resource_policy(
        lambda: plain_s3.put_object(
            Bucket=secure_outputs.destination_bucket, Key=probe_key, Body=b"plain"
        ),
        action="s3:PutObject",
        resource=f'"arn:aws:s3:::{secure_outputs.destination_bucket}/{probe_key}"',
        who=function_role.arn,
    )
    # A denied send leaves nothing in the queue; an allowed one is not tried here, so that the
    # failure queue holds only the function's records.
    plain_sqs = as_plain_http(function_role.client("sqs"))
    assert_denied_by_resource_policy(
        lambda: plain_sqs.send_message(
            QueueUrl=secure_resources.function_failure_queue_url, MessageBody="plain"
        ),
        action="sqs:sendmessage",
        resource=secure_resources.function_failure_queue_arn,
        who=function_role.arn,
    )
