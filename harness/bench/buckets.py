"""The bench's own buckets, configured as the deployed ones, and the environment of a probe
that reads and writes them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from harness.stack import StackOutputs
from kit.paths import REPO_ROOT
from providers.base import Connection

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

BENCH_SOURCE = "pipesum-bench-source"
BENCH_DESTINATION = "pipesum-bench-destination"


def create_buckets_as_deployed(s3: S3Client, outputs: StackOutputs) -> list[str]:
    """The bench's buckets, with the versioning and default encryption of the deployed ones.

    The deployed buckets send events to the function; the bench's do not, so that only the probe
    handles each object. Returns how each bench bucket is configured, as S3 reads it back.
    """
    described = []
    for name, deployed in (
        (BENCH_SOURCE, outputs.source_bucket),
        (BENCH_DESTINATION, outputs.destination_bucket),
    ):
        s3.create_bucket(Bucket=name)
        status = s3.get_bucket_versioning(Bucket=deployed).get("Status", "never enabled")
        if status != "Enabled":
            raise SystemExit(f"the deployed bucket {deployed} is not versioned ({status})")
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        encryption = s3.get_bucket_encryption(Bucket=deployed)["ServerSideEncryptionConfiguration"]
        s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration=encryption)
        described.append(describe_bucket(s3, name))
    return described


def describe_bucket(s3: S3Client, bucket: str) -> str:
    """`bucket`'s versioning and default encryption as S3 reports them; SSE-KMS is required."""
    versioning = s3.get_bucket_versioning(Bucket=bucket).get("Status", "never enabled")
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    default = rules[0].get("ApplyServerSideEncryptionByDefault", {})
    algorithm = default.get("SSEAlgorithm", "none")
    if versioning != "Enabled" or algorithm != "aws:kms":
        raise SystemExit(
            f"bucket {bucket} reads back as versioning {versioning}, encryption {algorithm}: "
            "the bench measures buckets as terraform/modules/bucket makes them (versioned, "
            "SSE-KMS); check the deployed stack"
        )
    key = default.get("KMSMasterKeyID", "the AWS managed key")
    bucket_key = "on" if rules[0].get("BucketKeyEnabled") else "off"
    return (
        f"`{bucket}`: versioning {versioning}, default encryption {algorithm} with "
        f"`{key.rsplit(':', 1)[-1]}`, bucket key {bucket_key}"
    )


def function_env(connection: Connection, function_root: Path) -> dict[str, str]:
    """A probe's environment: the emulator's S3, the bench's buckets, `function_root` first."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("AWS_") and name not in {"PYTHONPATH"}
    }
    return (
        env
        | connection.environment()
        | {
            "PYTHONPATH": f"{function_root}{os.pathsep}{REPO_ROOT}",
            "SOURCE_BUCKET": BENCH_SOURCE,
            "DESTINATION_BUCKET": BENCH_DESTINATION,
            "MAX_INPUT_BYTES": str(1 << 30),
            "LOG_LEVEL": "WARNING",
        }
    )
