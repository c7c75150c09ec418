################################################################################
# The stack's customer managed key: the source and destination buckets, both
# failure queues, the alarm topic, the function's log group and environment
################################################################################

locals {
  # ARNs built from names, not read from the resources, so the key (which everything encrypted
  # depends on) does not wait for them.
  function_log_group_arn = "arn:${local.partition}:logs:${var.region}:${local.account_id}:log-group:/aws/lambda/${local.name_prefix}-sum"
  event_rule_arn         = "arn:${local.partition}:events:${var.region}:${local.account_id}:rule/${local.name_prefix}-object-created"
  alarm_topic_arn        = "arn:${local.partition}:sns:${var.region}:${local.account_id}:${local.name_prefix}-alarms"
  event_dlq_arn          = "arn:${local.partition}:sqs:${var.region}:${local.account_id}:${local.name_prefix}-event-dlq"

  key_administrator_arn = (
    var.key_administrator_role_name == null ? null
    : "arn:${local.partition}:iam::${local.account_id}:role/${var.key_administrator_role_name}"
  )
  key_reader_arns    = [for name in var.key_reader_role_names : "arn:${local.partition}:iam::${local.account_id}:role/${name}"]
  lambda_via_service = "lambda.${var.region}.amazonaws.com"

  # CI's deploy roles are given the key here, in the policy the key is created with, and nowhere
  # else: their IAM policies grant nothing on keys by tag, since whoever may tag at CreateKey may
  # tag any key (decision 16). The administrator's statement also passes CreateKey's lockout check.
  key_deployer_statements = concat(
    [for statement in [
      {
        Sid       = "DeployRoleAdministersTheKey"
        Effect    = "Allow"
        Principal = { AWS = local.key_administrator_arn }
        Action = [
          "kms:DescribeKey",
          "kms:EnableKeyRotation",
          "kms:GetKeyPolicy",
          "kms:GetKeyRotationStatus",
          "kms:ListResourceTags",
          "kms:PutKeyPolicy",
          "kms:ScheduleKeyDeletion",
          "kms:TagResource",
          "kms:UntagResource",
          "kms:UpdateKeyDescription",
        ]
        Resource = "*"
      },
      {
        # Lambda encrypts the function's environment with this key, and creates a grant for it,
        # in the caller's name; reading the function back decrypts it.
        Sid       = "DeployRoleEncryptsTheFunctionEnvironment"
        Effect    = "Allow"
        Principal = { AWS = local.key_administrator_arn }
        Action    = ["kms:CreateGrant", "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
        Resource  = "*"
        Condition = { StringEquals = { "kms:ViaService" = local.lambda_via_service } }
      },
    ] : statement if local.key_administrator_arn != null],
    [for statement in [
      {
        Sid       = "DeployRolesReadTheKey"
        Effect    = "Allow"
        Principal = { AWS = local.key_reader_arns }
        Action    = ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"]
        Resource  = "*"
      },
      {
        Sid       = "DeployRolesReadTheFunctionEnvironment"
        Effect    = "Allow"
        Principal = { AWS = local.key_reader_arns }
        Action    = "kms:Decrypt"
        Resource  = "*"
        Condition = { StringEquals = { "kms:ViaService" = local.lambda_via_service } }
      },
    ] : statement if length(local.key_reader_arns) > 0],
  )

  # Written with jsonencode rather than aws_iam_policy_document so that `terraform test` with a
  # mock provider can assert every statement.
  kms_key_policy = {
    Version = "2012-10-17"
    Statement = concat([
      {
        # The default statement of every KMS key: the account administers the key, and IAM
        # policies decide which of its principals may do what. Without it the key could become
        # unmanageable; it gives no principal anything by itself.
        Sid       = "AccountAdministersTheKey"
        Effect    = "Allow"
        Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
      {
        # The function reads and writes SSE-KMS objects, and Lambda sends its failure records to
        # the encrypted queue with its role: both through the services, never directly.
        Sid       = "FunctionUsesTheKeyThroughS3AndSqs"
        Effect    = "Allow"
        Principal = { AWS = module.function.lambda_role_arn }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource  = "*"
        Condition = {
          StringEquals = {
            "kms:ViaService" = ["s3.${var.region}.amazonaws.com", "sqs.${var.region}.amazonaws.com"]
          }
        }
      },
      {
        # CloudWatch Logs encrypts the function's log group, and only it (AWS's documented
        # encryption context condition).
        Sid       = "LogsEncryptsTheFunctionLogGroup"
        Effect    = "Allow"
        Principal = { Service = "logs.${var.region}.amazonaws.com" }
        Action    = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey"]
        Resource  = "*"
        Condition = {
          ArnEquals = { "kms:EncryptionContext:aws:logs:arn" = local.function_log_group_arn }
        }
      },
      {
        # EventBridge puts undeliverable events of the rule into the encrypted dead-letter queue;
        # SQS calls KMS for it. aws:SourceArn and aws:SourceAccount may be absent from that call
        # (AWS documents them as unsupported for EventBridge to KMS-encrypted SNS topics), and so
        # may kms:ViaService for a service principal: a statement conditioned on them could lose
        # every undelivered event. SQS always sends the queue's ARN as encryption context: this
        # key serves that queue only (decision 17).
        Sid       = "EventBridgeRuleWritesItsDeadLetterQueue"
        Effect    = "Allow"
        Principal = { Service = "events.amazonaws.com" }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource  = "*"
        Condition = {
          ArnEquals = { "kms:EncryptionContext:aws:sqs:arn" = local.event_dlq_arn }
        }
      },
      {
        # CloudWatch alarms publish to the encrypted alarm topic, and to no other topic.
        Sid       = "CloudWatchAlarmsPublishToTheAlarmTopic"
        Effect    = "Allow"
        Principal = { Service = "cloudwatch.amazonaws.com" }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource  = "*"
        Condition = {
          StringEquals = { "kms:EncryptionContext:aws:sns:topicArn" = local.alarm_topic_arn }
        }
      },
    ], local.key_deployer_statements)
  }
}

resource "aws_kms_key" "this" {
  description             = "${local.name_prefix}: the buckets, failure queues, alarm topic, function log group and environment."
  enable_key_rotation     = true
  deletion_window_in_days = var.kms_key_deletion_window_days
  policy                  = jsonencode(local.kms_key_policy)
}
