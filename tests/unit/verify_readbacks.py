"""For each resource type verify reads: a planned resource and the API's answers that match it.

The answers are in the shape boto3 returns, keyed by client and operation; `tests/unit/
test_verify_checks.py` changes them one thing at a time and sees the checks fail.
"""

from __future__ import annotations

import json
from typing import Any

from harness.readers import PlannedResource

ACCOUNT, REGION = "123456789012", "eu-west-1"
KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT}:pipesum-prod-alarms"
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:pipesum-prod-sum"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/pipesum-prod-sum"
RULE_ARN = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/pipesum-prod-object-created"
DLQ_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:pipesum-prod-event-dlq"
DLQ_URL = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/pipesum-prod-event-dlq"
FAILURES_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:pipesum-prod-function-failures"
BUCKET = "pipesum-prod-source-123456789012-eu-west-1"
LOG_GROUP = "/aws/lambda/pipesum-prod-sum"
TAGS = {"GitCommit": "0123456789abcdef", "Project": "pipesum", "Environment": "prod"}
TAG_LIST = [{"Key": name, "Value": value} for name, value in TAGS.items()]
ENVIRONMENT = {"SOURCE_BUCKET": BUCKET, "MAX_INPUT_BYTES": "104857600"}
PACKAGE_SHA256 = "GABewR+8v9JrANfTCGy+DKzZAMdA6SNGfuVUR47qhS0="


def document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


BUCKET_POLICY = document(
    {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
)
TRUST = document(
    {
        "Effect": "Allow",
        "Principal": {"Service": "lambda.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }
)
ROLE_POLICY = document(
    {"Sid": "Record", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": FAILURES_ARN}
)
KEY_POLICY = document(
    {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        "Action": "kms:*",
        "Resource": "*",
    }
)
QUEUE_POLICY = document(
    {
        "Effect": "Allow",
        "Principal": {"Service": "events.amazonaws.com"},
        "Action": "sqs:SendMessage",
        "Resource": DLQ_ARN,
        "Condition": {"ArnEquals": {"aws:SourceArn": RULE_ARN}},
    }
)
TOPIC_POLICY = document(
    {
        "Effect": "Allow",
        "Principal": {"Service": "cloudwatch.amazonaws.com"},
        "Action": "sns:Publish",
        "Resource": TOPIC_ARN,
    }
)
PATTERN = json.dumps(
    {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {"bucket": {"name": [BUCKET]}},
    }
)
PERMISSION = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AllowObjectCreatedRule",
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "lambda:InvokeFunction",
                "Resource": FUNCTION_ARN,
                "Condition": {"ArnLike": {"AWS:SourceArn": RULE_ARN}},
            }
        ],
    }
)


def case(
    address: str, values: dict[str, Any], answers: dict[str, dict[str, Any]]
) -> tuple[PlannedResource, dict[str, dict[str, Any]]]:
    return PlannedResource(address, address.split(".")[-2], values), answers


FUNCTION = case(
    "module.function.aws_lambda_function.this",
    {
        "function_name": "pipesum-prod-sum",
        "runtime": "python3.13",
        "handler": "pipesum.handler.handle",
        "role": ROLE_ARN,
        "memory_size": 256,
        "timeout": 30,
        "architectures": ["arm64"],
        "description": "Appends the sum of the second row.",
        "kms_key_arn": KEY_ARN,
        "environment": [{"variables": ENVIRONMENT}],
        "ephemeral_storage": [{"size": 512}],
        "tracing_config": [{"mode": "Active"}],
        "logging_config": [
            {
                "log_format": "JSON",
                "log_group": LOG_GROUP,
                "application_log_level": "INFO",
                "system_log_level": "WARN",
            }
        ],
        "reserved_concurrent_executions": 10,
        "tags_all": TAGS,
    },
    {
        "awslambda": {
            "get_function": {
                "Configuration": {
                    "FunctionName": "pipesum-prod-sum",
                    "Runtime": "python3.13",
                    "Handler": "pipesum.handler.handle",
                    "Role": ROLE_ARN,
                    "MemorySize": 256,
                    "Timeout": 30,
                    "Architectures": ["arm64"],
                    "Description": "Appends the sum of the second row.",
                    "KMSKeyArn": KEY_ARN,
                    "CodeSha256": PACKAGE_SHA256,
                    "Environment": {"Variables": dict(ENVIRONMENT)},
                    "EphemeralStorage": {"Size": 512},
                    "TracingConfig": {"Mode": "Active"},
                    "LoggingConfig": {
                        "LogFormat": "JSON",
                        "LogGroup": LOG_GROUP,
                        "ApplicationLogLevel": "INFO",
                        "SystemLogLevel": "WARN",
                    },
                },
                "Tags": dict(TAGS),
                "Concurrency": {"ReservedConcurrentExecutions": 10},
            },
            "get_function_configuration": {"CodeSha256": PACKAGE_SHA256},
        }
    },
)

CASES = [
    case(
        "module.source_bucket.aws_s3_bucket.this",
        {"bucket": BUCKET, "region": REGION, "tags_all": TAGS},
        {
            "s3": {
                "get_bucket_location": {"LocationConstraint": REGION},
                "get_bucket_tagging": {"TagSet": TAG_LIST},
            }
        },
    ),
    case(
        "module.source_bucket.aws_s3_bucket_versioning.this",
        {"bucket": BUCKET, "versioning_configuration": [{"status": "Enabled"}]},
        {"s3": {"get_bucket_versioning": {"Status": "Enabled"}}},
    ),
    case(
        "module.source_bucket.aws_s3_bucket_public_access_block.this",
        {
            "bucket": BUCKET,
            "block_public_acls": True,
            "block_public_policy": True,
            "ignore_public_acls": True,
            "restrict_public_buckets": True,
        },
        {
            "s3": {
                "get_public_access_block": {
                    "PublicAccessBlockConfiguration": {
                        "BlockPublicAcls": True,
                        "BlockPublicPolicy": True,
                        "IgnorePublicAcls": True,
                        "RestrictPublicBuckets": True,
                    }
                }
            }
        },
    ),
    case(
        "module.source_bucket.aws_s3_bucket_ownership_controls.this",
        {"bucket": BUCKET, "rule": [{"object_ownership": "BucketOwnerEnforced"}]},
        {
            "s3": {
                "get_bucket_ownership_controls": {
                    "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
                }
            }
        },
    ),
    case(
        "module.source_bucket.aws_s3_bucket_server_side_encryption_configuration.this",
        {
            "bucket": BUCKET,
            "rule": [
                {
                    "apply_server_side_encryption_by_default": [
                        {"sse_algorithm": "aws:kms", "kms_master_key_id": KEY_ARN}
                    ],
                    "bucket_key_enabled": True,
                }
            ],
        },
        {
            "s3": {
                "get_bucket_encryption": {
                    "ServerSideEncryptionConfiguration": {
                        "Rules": [
                            {
                                "ApplyServerSideEncryptionByDefault": {
                                    "SSEAlgorithm": "aws:kms",
                                    "KMSMasterKeyID": KEY_ARN,
                                },
                                "BucketKeyEnabled": True,
                            }
                        ]
                    }
                }
            }
        },
    ),
    case(
        "module.source_bucket.aws_s3_bucket_policy.this",
        {"bucket": BUCKET, "policy": BUCKET_POLICY},
        {"s3": {"get_bucket_policy": {"Policy": BUCKET_POLICY}}},
    ),
    case(
        "module.source_bucket.aws_s3_bucket_notification.this",
        {"bucket": BUCKET, "eventbridge": True},
        {"s3": {"get_bucket_notification_configuration": {"EventBridgeConfiguration": {}}}},
    ),
    case(
        "module.source_bucket.aws_s3_bucket_lifecycle_configuration.this",
        {
            "bucket": BUCKET,
            "rule": [
                {
                    "id": "whole-bucket",
                    "status": "Enabled",
                    "expiration": [{"days": 365}],
                    "noncurrent_version_expiration": [{"noncurrent_days": 30}],
                    "abort_incomplete_multipart_upload": [{"days_after_initiation": 7}],
                }
            ],
        },
        {
            "s3": {
                "get_bucket_lifecycle_configuration": {
                    "Rules": [
                        {
                            "ID": "whole-bucket",
                            "Status": "Enabled",
                            "Expiration": {"Days": 365},
                            "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
                            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
                        }
                    ]
                }
            }
        },
    ),
    case(
        "module.destination_bucket.aws_s3_bucket_lifecycle_configuration.this",
        {
            "bucket": BUCKET,
            "rule": [
                {
                    "id": "whole-bucket",
                    "status": "Enabled",
                    "expiration": [{"days": 0, "expired_object_delete_marker": True}],
                    "noncurrent_version_expiration": [{"noncurrent_days": 30}],
                    "abort_incomplete_multipart_upload": [{"days_after_initiation": 7}],
                }
            ],
        },
        {
            "s3": {
                "get_bucket_lifecycle_configuration": {
                    "Rules": [
                        {
                            "ID": "whole-bucket",
                            "Status": "Enabled",
                            "Expiration": {"ExpiredObjectDeleteMarker": True},
                            "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
                            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7},
                        }
                    ]
                }
            }
        },
    ),
    case(
        "module.source_bucket.aws_s3_bucket_logging.this",
        {"bucket": BUCKET, "target_bucket": "pipesum-prod-logs", "target_prefix": "source/"},
        {
            "s3": {
                "get_bucket_logging": {
                    "LoggingEnabled": {
                        "TargetBucket": "pipesum-prod-logs",
                        "TargetPrefix": "source/",
                    }
                }
            }
        },
    ),
    case(
        "aws_cloudwatch_event_rule.object_created",
        {
            "name": "pipesum-prod-object-created",
            "state": "ENABLED",
            "event_pattern": PATTERN,
            "tags_all": TAGS,
        },
        {
            "events": {
                "describe_rule": {"Arn": RULE_ARN, "State": "ENABLED", "EventPattern": PATTERN},
                "list_tags_for_resource": {"Tags": TAG_LIST},
            }
        },
    ),
    case(
        "aws_cloudwatch_event_target.function",
        {
            "rule": "pipesum-prod-object-created",
            "target_id": "sum-function",
            "arn": FUNCTION_ARN,
            "retry_policy": [{"maximum_event_age_in_seconds": 3600, "maximum_retry_attempts": 24}],
            "dead_letter_config": [{"arn": DLQ_ARN}],
        },
        {
            "events": {
                "list_targets_by_rule": {
                    "Targets": [
                        {
                            "Id": "sum-function",
                            "Arn": FUNCTION_ARN,
                            "RetryPolicy": {
                                "MaximumEventAgeInSeconds": 3600,
                                "MaximumRetryAttempts": 24,
                            },
                            "DeadLetterConfig": {"Arn": DLQ_ARN},
                        }
                    ]
                }
            }
        },
    ),
    FUNCTION,
    case(
        "aws_lambda_permission.object_created",
        {
            "function_name": "pipesum-prod-sum",
            "statement_id": "AllowObjectCreatedRule",
            "source_arn": RULE_ARN,
            "principal": "events.amazonaws.com",
            "action": "lambda:InvokeFunction",
        },
        {"awslambda": {"get_policy": {"Policy": PERMISSION}}},
    ),
    case(
        "module.function.aws_lambda_function_event_invoke_config.this",
        {
            "function_name": "pipesum-prod-sum",
            "maximum_retry_attempts": 2,
            "maximum_event_age_in_seconds": 3600,
            "destination_config": [{"on_failure": [{"destination": FAILURES_ARN}]}],
        },
        {
            "awslambda": {
                "get_function_event_invoke_config": {
                    "MaximumRetryAttempts": 2,
                    "MaximumEventAgeInSeconds": 3600,
                    "DestinationConfig": {"OnFailure": {"Destination": FAILURES_ARN}},
                }
            }
        },
    ),
    case(
        "module.function.aws_lambda_function_recursion_config.this",
        {"function_name": "pipesum-prod-sum", "recursive_loop": "Terminate"},
        {"awslambda": {"get_function_recursion_config": {"RecursiveLoop": "Terminate"}}},
    ),
    case(
        "module.function.aws_iam_role.this",
        {
            "name": "pipesum-prod-sum",
            "assume_role_policy": TRUST,
            "managed_policy_arns": ["arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess"],
            "tags_all": TAGS,
        },
        {
            "iam": {
                # boto3 hands IAM's URL-encoded documents over parsed.
                "get_role": {
                    "Role": {"AssumeRolePolicyDocument": json.loads(TRUST), "Tags": TAG_LIST}
                },
                "list_attached_role_policies": {
                    "AttachedPolicies": [
                        {"PolicyArn": "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess"}
                    ]
                },
            }
        },
    ),
    case(
        "module.function.aws_iam_role_policy.async_failure",
        {"role": "pipesum-prod-sum", "name": "async-failure", "policy": ROLE_POLICY},
        {"iam": {"get_role_policy": {"PolicyDocument": json.loads(ROLE_POLICY)}}},
    ),
    case(
        "module.function.aws_cloudwatch_log_group.this",
        {
            "name": LOG_GROUP,
            "arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{LOG_GROUP}:*",
            "retention_in_days": 30,
            "kms_key_id": KEY_ARN,
            "tags_all": TAGS,
        },
        {
            "logs": {
                "describe_log_groups": {
                    "logGroups": [
                        {"logGroupName": LOG_GROUP, "retentionInDays": 30, "kmsKeyId": KEY_ARN}
                    ]
                },
                "list_tags_for_resource": {"tags": dict(TAGS)},
            }
        },
    ),
    case(
        "aws_kms_key.this",
        {
            "key_id": KEY_ARN.rsplit("/", maxsplit=1)[-1],
            "enable_key_rotation": True,
            "policy": KEY_POLICY,
            "tags_all": TAGS,
        },
        {
            "kms": {
                "get_key_rotation_status": {"KeyRotationEnabled": True},
                "get_key_policy": {"Policy": KEY_POLICY},
                "list_resource_tags": {
                    "Tags": [{"TagKey": name, "TagValue": value} for name, value in TAGS.items()]
                },
            }
        },
    ),
    case(
        "aws_sqs_queue.event_dlq",
        {
            "url": DLQ_URL,
            "kms_master_key_id": KEY_ARN,
            "message_retention_seconds": 1209600,
            "visibility_timeout_seconds": 30,
            "tags_all": TAGS,
        },
        {
            "sqs": {
                "get_queue_attributes": {
                    "Attributes": {
                        "KmsMasterKeyId": KEY_ARN,
                        "MessageRetentionPeriod": "1209600",
                        "VisibilityTimeout": "30",
                    }
                },
                "list_queue_tags": {"Tags": dict(TAGS)},
            }
        },
    ),
    case(
        "aws_sqs_queue_policy.event_dlq",
        {"queue_url": DLQ_URL, "policy": QUEUE_POLICY},
        {"sqs": {"get_queue_attributes": {"Attributes": {"Policy": QUEUE_POLICY}}}},
    ),
    case(
        "aws_sns_topic.alarms",
        {"arn": TOPIC_ARN, "kms_master_key_id": KEY_ARN, "tags_all": TAGS},
        {
            "sns": {
                "get_topic_attributes": {"Attributes": {"KmsMasterKeyId": KEY_ARN}},
                "list_tags_for_resource": {"Tags": TAG_LIST},
            }
        },
    ),
    case(
        "aws_sns_topic_policy.alarms",
        {"arn": TOPIC_ARN, "policy": TOPIC_POLICY},
        {"sns": {"get_topic_attributes": {"Attributes": {"Policy": TOPIC_POLICY}}}},
    ),
    case(
        'aws_cloudwatch_metric_alarm.this["function-errors"]',
        {
            "alarm_name": "pipesum-prod-function-errors",
            "alarm_description": "The function failed.",
            "actions_enabled": True,
            "metric_name": "Errors",
            "namespace": "AWS/Lambda",
            "statistic": "Sum",
            "period": 300,
            "evaluation_periods": 1,
            "threshold": 0,
            "comparison_operator": "GreaterThanThreshold",
            "treat_missing_data": "notBreaching",
            "alarm_actions": [TOPIC_ARN],
            "ok_actions": [TOPIC_ARN],
            "insufficient_data_actions": [],
            "dimensions": {"FunctionName": "pipesum-prod-sum"},
            "tags_all": TAGS,
        },
        {
            "cloudwatch": {
                "describe_alarms": {
                    "MetricAlarms": [
                        {
                            "AlarmName": "pipesum-prod-function-errors",
                            "AlarmArn": f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:x",
                            "AlarmDescription": "The function failed.",
                            "ActionsEnabled": True,
                            "MetricName": "Errors",
                            "Namespace": "AWS/Lambda",
                            "Statistic": "Sum",
                            "Period": 300,
                            "EvaluationPeriods": 1,
                            "Threshold": 0.0,
                            "ComparisonOperator": "GreaterThanThreshold",
                            "TreatMissingData": "notBreaching",
                            "AlarmActions": [TOPIC_ARN],
                            "OKActions": [TOPIC_ARN],
                            "InsufficientDataActions": [],
                            "Dimensions": [{"Name": "FunctionName", "Value": "pipesum-prod-sum"}],
                        }
                    ]
                },
                "list_tags_for_resource": {"Tags": TAG_LIST},
            }
        },
    ),
]
