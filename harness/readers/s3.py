"""Readers of the S3 resources: buckets and their versioning, encryption, policies and more."""

from __future__ import annotations

from collections.abc import Iterator

from botocore.exceptions import ClientError

from harness.checks import Check
from harness.readers.base import (
    Clients,
    PlannedResource,
    Values,
    error_code,
    first,
    policy,
    reads,
    same,
    tag_list,
    tags,
)

# --- S3 ---------------------------------------------------------------------------------------


@reads("aws_s3_bucket")
def _bucket(resource: PlannedResource, clients: Clients) -> Iterator[Check]:
    bucket = resource.values["bucket"]
    location = clients.s3.get_bucket_location(Bucket=bucket).get("LocationConstraint")
    # us-east-1 answers with no constraint; eu-west-1's legacy name is EU.
    region = {None: "us-east-1", "": "us-east-1", "EU": "eu-west-1"}.get(location, location)
    yield Check(resource.address, "region", resource.values["region"], region)
    try:
        found = clients.s3.get_bucket_tagging(Bucket=bucket).get("TagSet", [])
    except ClientError as error:
        if error_code(error) != "NoSuchTagSet":
            raise
        found = []
    yield from tags(resource, tag_list(found))


@reads("aws_s3_bucket_versioning")
def _versioning(resource: PlannedResource, clients: Clients) -> Iterator[Check]:
    found = clients.s3.get_bucket_versioning(Bucket=resource.values["bucket"])
    expected = first(resource.values, "versioning_configuration")["status"]
    yield Check(resource.address, "versioning", expected, found.get("Status", "Disabled"))


@reads("aws_s3_bucket_public_access_block")
def _public_access(resource: PlannedResource, clients: Clients) -> Iterator[Check]:
    found = clients.s3.get_public_access_block(Bucket=resource.values["bucket"])
    yield from same(
        resource,
        found["PublicAccessBlockConfiguration"],
        (
            ("block_public_acls", "BlockPublicAcls"),
            ("block_public_policy", "BlockPublicPolicy"),
            ("ignore_public_acls", "IgnorePublicAcls"),
            ("restrict_public_buckets", "RestrictPublicBuckets"),
        ),
    )


@reads("aws_s3_bucket_ownership_controls")
def _ownership(resource: PlannedResource, clients: Clients) -> Iterator[Check]:
    found = clients.s3.get_bucket_ownership_controls(Bucket=resource.values["bucket"])
    rules = found["OwnershipControls"]["Rules"]
    expected = first(resource.values, "rule")["object_ownership"]
    yield Check(resource.address, "object_ownership", expected, rules[0]["ObjectOwnership"])


@reads("aws_s3_bucket_server_side_encryption_configuration")
def _encryption(resource: PlannedResource, clients: Clients) -> Iterator[Check]:
    found = clients.s3.get_bucket_encryption(Bucket=resource.values["bucket"])
    rule = found["ServerSideEncryptionConfiguration"]["Rules"][0]
    default = rule["ApplyServerSideEncryptionByDefault"]
    expected_rule = first(resource.values, "rule")
    expected_default = first(expected_rule, "apply_server_side_encryption_by_default")
    address = resource.address
    yield Check(
        address, "sse_algorithm", expected_default["sse_algorithm"], default["SSEAlgorithm"]
    )
    yield Check(
        address,
        "kms_master_key_id",
        expected_default.get("kms_master_key_id") or None,
        default.get("KMSMasterKeyID"),
    )
    yield Check(
        address,
        "bucket_key_enabled",
        bool(expected_rule.get("bucket_key_enabled")),
        rule.get("BucketKeyEnabled", False),
    )


@reads("aws_s3_bucket_policy")
def _bucket_policy(resource: PlannedResource, clients: Clients) -> Iterator[Check]:
    found = clients.s3.get_bucket_policy(Bucket=resource.values["bucket"])["Policy"]
    yield Check(resource.address, "policy", policy(resource.values["policy"]), policy(found))


@reads("aws_s3_bucket_notification")
def _notification(resource: PlannedResource, clients: Clients) -> Iterator[Check]:
    found = clients.s3.get_bucket_notification_configuration(Bucket=resource.values["bucket"])
    yield Check(
        resource.address,
        "eventbridge",
        resource.values["eventbridge"],
        "EventBridgeConfiguration" in found,
    )


@reads("aws_s3_bucket_lifecycle_configuration")
def _lifecycle(resource: PlannedResource, clients: Clients) -> Iterator[Check]:
    found = clients.s3.get_bucket_lifecycle_configuration(Bucket=resource.values["bucket"])
    rules = {rule.get("ID"): rule for rule in found.get("Rules", [])}
    for rule in resource.values["rule"]:
        found_rule: Values = rules.get(rule["id"], {})
        name = f"rule {rule['id']}"
        yield Check(resource.address, f"{name} status", rule["status"], found_rule.get("Status"))
        for block, field, api_block, api_field in (
            ("expiration", "days", "Expiration", "Days"),
            ("noncurrent_version_expiration", "noncurrent_days", "NoncurrentVersionExpiration",
             "NoncurrentDays"),
            ("abort_incomplete_multipart_upload", "days_after_initiation",
             "AbortIncompleteMultipartUpload", "DaysAfterInitiation"),
        ):  # fmt: skip
            expected = first(rule, block).get(field)
            if expected:  # the provider plans 0 for a count of days the rule does not set
                yield Check(
                    resource.address,
                    f"{name} {block}.{field}",
                    expected,
                    found_rule.get(api_block, {}).get(api_field),
                )
        if first(rule, "expiration").get("expired_object_delete_marker"):
            yield Check(
                resource.address,
                f"{name} expiration.expired_object_delete_marker",
                True,
                found_rule.get("Expiration", {}).get("ExpiredObjectDeleteMarker"),
            )


@reads("aws_s3_bucket_logging")
def _logging(resource: PlannedResource, clients: Clients) -> Iterator[Check]:
    found = clients.s3.get_bucket_logging(Bucket=resource.values["bucket"])
    yield from same(
        resource,
        found.get("LoggingEnabled", {}),
        (("target_bucket", "TargetBucket"), ("target_prefix", "TargetPrefix")),
    )
