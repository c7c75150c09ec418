"""The AWS services the Terraform root calls, derived from the resource types it declares.

LocalStack enables exactly these; tflocal points exactly these at a TLS emulator (MiniStack).
"""

from __future__ import annotations

from collections.abc import Mapping

# The service that serves each resource and data source type terraform/ (the root and the
# modules it calls) declares, by type prefix: a type matches a prefix when it equals it or
# continues it after an underscore ("aws_s3" matches aws_s3_bucket, not aws_s3control_*).
# An emulator that enables services one by one (LocalStack's SERVICES) serves only these, so a
# type that matches no prefix here would fail the apply; tests/unit/test_localstack_path.py
# fails first, naming it.
SERVICE_BY_TYPE_PREFIX: Mapping[str, str] = {
    "aws_caller_identity": "sts",
    "aws_cloudwatch_event": "events",
    "aws_cloudwatch_log": "logs",
    "aws_cloudwatch_metric_alarm": "cloudwatch",
    "aws_iam": "iam",
    "aws_kms": "kms",
    "aws_lambda": "lambda",
    "aws_s3": "s3",
    "aws_sns": "sns",
    "aws_sqs": "sqs",
}
# Data sources the aws provider answers from its own configuration, without calling AWS.
OFFLINE_DATA_SOURCES = frozenset({"aws_partition", "aws_region"})
# The aws provider calls sts:GetCallerIdentity when it starts (tflocal does not skip it), whatever
# the configuration declares.
PROVIDER_SERVICES = frozenset({"sts"})
SERVICES: tuple[str, ...] = tuple(sorted({*SERVICE_BY_TYPE_PREFIX.values(), *PROVIDER_SERVICES}))
