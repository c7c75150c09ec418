# The resource policies: the KMS key's, each bucket's, the failure queues' and the alarm topic's.
#
# Each statement is reduced to a canonical form (sorted Action and Resource lists, condition values
# as lists) and the statements are compared as a set, so the order of statements and a scalar
# versus a one-element list do not matter, but every principal, action, resource and condition
# does. The ids and ARNs of the buckets, queues, key and topic come from tests/mocks.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  source_bucket_arn      = "arn:aws:s3:::pipesum-dev-source-123456789012-us-east-1"
  destination_bucket_arn = "arn:aws:s3:::pipesum-dev-destination-123456789012-us-east-1"
  log_bucket_arn         = "arn:aws:s3:::pipesum-dev-logs-123456789012-us-east-1"
  key_arn                = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  rule_arn               = "arn:aws:events:us-east-1:123456789012:rule/pipesum-dev-object-created"
}

################################################################################
# KMS key
################################################################################

run "key_rotates_and_its_policy_names_each_principal_with_its_conditions" {
  command = apply

  assert {
    condition     = aws_kms_key.this.enable_key_rotation == true
    error_message = "The key must rotate its material (enable_key_rotation)."
  }

  assert {
    condition     = aws_kms_key.this.deletion_window_in_days == 30
    error_message = "The key must have a 30-day deletion window by default."
  }

  assert {
    condition = toset([
      for statement in jsondecode(aws_kms_key.this.policy).Statement : jsonencode({
        Sid       = statement.Sid
        Effect    = statement.Effect
        Principal = { for type, identifiers in statement.Principal : type => sort(flatten([identifiers])) }
        Action    = sort(flatten([statement.Action]))
        Resource  = sort(flatten([statement.Resource]))
        Condition = { for test, conditions in try(statement.Condition, {}) : test => { for key, values in conditions : key => sort(flatten([values])) } }
      })
      ]) == toset([
      jsonencode({
        Sid       = "AccountAdministersTheKey"
        Effect    = "Allow"
        Principal = { AWS = ["arn:aws:iam::123456789012:root"] }
        Action    = ["kms:*"]
        Resource  = ["*"]
        Condition = {}
      }),
      jsonencode({
        Sid       = "FunctionUsesTheKeyThroughS3AndSqs"
        Effect    = "Allow"
        Principal = { AWS = ["arn:aws:iam::123456789012:role/pipesum-dev-sum"] }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource  = ["*"]
        Condition = { StringEquals = { "kms:ViaService" = ["s3.us-east-1.amazonaws.com", "sqs.us-east-1.amazonaws.com"] } }
      }),
      jsonencode({
        Sid       = "LogsEncryptsTheFunctionLogGroup"
        Effect    = "Allow"
        Principal = { Service = ["logs.us-east-1.amazonaws.com"] }
        Action    = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo"]
        Resource  = ["*"]
        Condition = { ArnEquals = { "kms:EncryptionContext:aws:logs:arn" = ["arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/pipesum-dev-sum"] } }
      }),
      jsonencode({
        Sid       = "EventBridgeRuleWritesItsDeadLetterQueue"
        Effect    = "Allow"
        Principal = { Service = ["events.amazonaws.com"] }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource  = ["*"]
        Condition = {
          ArnEquals = { "kms:EncryptionContext:aws:sqs:arn" = ["arn:aws:sqs:us-east-1:123456789012:pipesum-dev-event-dlq"] }
        }
      }),
      jsonencode({
        Sid       = "CloudWatchAlarmsPublishToTheAlarmTopic"
        Effect    = "Allow"
        Principal = { Service = ["cloudwatch.amazonaws.com"] }
        Action    = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource  = ["*"]
        Condition = { StringEquals = { "kms:EncryptionContext:aws:sns:topicArn" = ["arn:aws:sns:us-east-1:123456789012:pipesum-dev-alarms"] } }
      }),
    ])
    error_message = "The key policy must be exactly: the account administers; the function role uses it through S3 and SQS only; CloudWatch Logs for the function's log group only; EventBridge through SQS for the dead-letter queue only (its encryption context); CloudWatch for the alarm topic only. It is ${aws_kms_key.this.policy}"
  }

  assert {
    condition = alltrue([
      for statement in jsondecode(aws_kms_key.this.policy).Statement :
      contains(keys(statement), "Condition") if !contains(flatten([try(statement.Principal.AWS, [])]), "arn:aws:iam::123456789012:root")
    ])
    error_message = "Every key policy statement but the account's own must carry a condition."
  }

  assert {
    condition = alltrue([
      for statement in jsondecode(aws_kms_key.this.policy).Statement :
      statement.Principal != "*" && !contains(flatten([try(statement.Principal.AWS, [])]), "*")
    ])
    error_message = "No key policy statement may name the principal \"*\"."
  }

  assert {
    # The ARNs the policy builds from names must be those of the resources.
    condition = (
      aws_cloudwatch_event_rule.object_created.arn == var.rule_arn &&
      module.function.log_group_arn == "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/pipesum-dev-sum" &&
      aws_sns_topic.this.arn == "arn:aws:sns:us-east-1:123456789012:pipesum-dev-alarms" &&
      aws_sqs_queue.event_dlq.arn == "arn:aws:sqs:us-east-1:123456789012:pipesum-dev-event-dlq"
    )
    error_message = "The rule, log group, topic and dead-letter queue ARNs in the key policy must be those of the rule, the function's log group, the alarm topic and the event-dlq queue."
  }
}

run "the_deploy_roles_hold_the_key_by_its_policy_alone" {
  command = apply

  variables {
    key_administrator_role_name = "pipesum-github-apply"
    key_reader_role_names       = ["pipesum-github-plan"]
  }

  assert {
    condition = jsonencode({
      for statement in jsondecode(aws_kms_key.this.policy).Statement : statement.Sid => {
        Principal = flatten([statement.Principal.AWS])
        Action    = sort(flatten([statement.Action]))
        Condition = try(statement.Condition, null)
      } if startswith(statement.Sid, "Deploy")
      }) == jsonencode({
      DeployRoleAdministersTheKey = {
        Principal = ["arn:aws:iam::123456789012:role/pipesum-github-apply"]
        Action    = ["kms:DescribeKey", "kms:EnableKeyRotation", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags", "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:TagResource", "kms:UntagResource", "kms:UpdateKeyDescription"]
        Condition = null
      }
      DeployRoleEncryptsTheFunctionEnvironment = {
        Principal = ["arn:aws:iam::123456789012:role/pipesum-github-apply"]
        Action    = ["kms:CreateGrant", "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
        Condition = { StringEquals = { "kms:ViaService" = "lambda.us-east-1.amazonaws.com" } }
      }
      DeployRolesReadTheKey = {
        Principal = ["arn:aws:iam::123456789012:role/pipesum-github-plan"]
        Action    = ["kms:DescribeKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus", "kms:ListResourceTags"]
        Condition = null
      }
      DeployRolesReadTheFunctionEnvironment = {
        Principal = ["arn:aws:iam::123456789012:role/pipesum-github-plan"]
        Action    = ["kms:Decrypt"]
        Condition = { StringEquals = { "kms:ViaService" = "lambda.us-east-1.amazonaws.com" } }
      }
    })
    error_message = "CI's apply role must administer the key and its plan role read it, through the key policy, each as named. It is ${aws_kms_key.this.policy}"
  }

  assert {
    condition     = length(jsondecode(aws_kms_key.this.policy).Statement) == 9
    error_message = "The deploy roles add four statements to the five of the key policy."
  }
}

################################################################################
# Buckets
################################################################################

run "kms_buckets_deny_plain_http_and_any_other_encryption" {
  command = apply

  assert {
    condition = alltrue([
      for bucket in [
        { arn = var.source_bucket_arn, policy = module.source_bucket.s3_bucket_policy },
        { arn = var.destination_bucket_arn, policy = module.destination_bucket.s3_bucket_policy },
      ] :
      toset([
        for statement in jsondecode(bucket.policy).Statement : jsonencode({
          Sid       = statement.Sid
          Effect    = statement.Effect
          Principal = statement.Principal
          Action    = sort(flatten([statement.Action]))
          Resource  = sort(flatten([statement.Resource]))
          Condition = { for test, conditions in statement.Condition : test => { for key, values in conditions : key => flatten([values]) } }
        })
        ]) == toset([
        jsonencode({
          Sid       = "DenyInsecureTransport"
          Effect    = "Deny"
          Principal = "*"
          Action    = ["s3:*"]
          Resource  = [bucket.arn, "${bucket.arn}/*"]
          Condition = { Bool = { "aws:SecureTransport" = ["false"] } }
        }),
        jsonencode({
          Sid       = "DenyOutdatedTls"
          Effect    = "Deny"
          Principal = "*"
          Action    = ["s3:*"]
          Resource  = [bucket.arn, "${bucket.arn}/*"]
          Condition = { NumericLessThan = { "s3:TlsVersion" = ["1.2"] } }
        }),
        jsonencode({
          Sid       = "DenyOtherEncryption"
          Effect    = "Deny"
          Principal = "*"
          Action    = ["s3:PutObject"]
          Resource  = ["${bucket.arn}/*"]
          Condition = {
            Null            = { "s3:x-amz-server-side-encryption" = ["false"] }
            StringNotEquals = { "s3:x-amz-server-side-encryption" = ["aws:kms"] }
          }
        }),
        jsonencode({
          Sid       = "DenyOtherKmsKeys"
          Effect    = "Deny"
          Principal = "*"
          Action    = ["s3:PutObject"]
          Resource  = ["${bucket.arn}/*"]
          Condition = {
            Null            = { "s3:x-amz-server-side-encryption-aws-kms-key-id" = ["false"] }
            StringNotEquals = { "s3:x-amz-server-side-encryption-aws-kms-key-id" = [var.key_arn] }
          }
        }),
        jsonencode({
          Sid       = "DenyKmsWithoutKeyId"
          Effect    = "Deny"
          Principal = "*"
          Action    = ["s3:PutObject"]
          Resource  = ["${bucket.arn}/*"]
          Condition = {
            Null         = { "s3:x-amz-server-side-encryption-aws-kms-key-id" = ["true"] }
            StringEquals = { "s3:x-amz-server-side-encryption" = ["aws:kms"] }
          }
        }),
      ])
    ])
    error_message = "The source and destination bucket policies must be exactly: deny non-TLS; deny a put asking for other than aws:kms; deny a put naming another key; deny aws:kms without our key id. Source: ${module.source_bucket.s3_bucket_policy} Destination: ${module.destination_bucket.s3_bucket_policy}"
  }

  assert {
    # A put without encryption headers (the function's, the emulator tests') must not be denied:
    # every encryption deny needs its header present (Null = false), or names aws:kms.
    condition = alltrue(flatten([
      for policy in [module.source_bucket.s3_bucket_policy, module.destination_bucket.s3_bucket_policy, module.access_log_bucket[0].s3_bucket_policy] : [
        for statement in jsondecode(policy).Statement :
        try(statement.Condition.Null["s3:x-amz-server-side-encryption"] == "false", false) ||
        try(statement.Condition.Null["s3:x-amz-server-side-encryption-aws-kms-key-id"] == "false", false) ||
        try(statement.Condition.StringEquals["s3:x-amz-server-side-encryption"] == "aws:kms", false)
        if statement.Effect == "Deny" && contains(flatten([statement.Action]), "s3:PutObject")
      ]
    ]))
    error_message = "An encryption deny must apply only to a put that names an encryption; default encryption covers the others."
  }
}

run "log_bucket_denies_plain_http_and_lets_s3_deliver_logs_of_our_buckets_only" {
  command = apply

  assert {
    condition = toset([
      for statement in jsondecode(module.access_log_bucket[0].s3_bucket_policy).Statement : jsonencode({
        Sid       = statement.Sid
        Effect    = statement.Effect
        Principal = statement.Principal
        Action    = sort(flatten([statement.Action]))
        Resource  = sort(flatten([statement.Resource]))
        Condition = { for test, conditions in statement.Condition : test => { for key, values in conditions : key => sort(flatten([values])) } }
      })
      ]) == toset([
      jsonencode({
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = ["s3:*"]
        Resource  = [var.log_bucket_arn, "${var.log_bucket_arn}/*"]
        Condition = { Bool = { "aws:SecureTransport" = ["false"] } }
      }),
      jsonencode({
        Sid       = "DenyOutdatedTls"
        Effect    = "Deny"
        Principal = "*"
        Action    = ["s3:*"]
        Resource  = [var.log_bucket_arn, "${var.log_bucket_arn}/*"]
        Condition = { NumericLessThan = { "s3:TlsVersion" = ["1.2"] } }
      }),
      jsonencode({
        Sid       = "DenyOtherEncryption"
        Effect    = "Deny"
        Principal = "*"
        Action    = ["s3:PutObject"]
        Resource  = ["${var.log_bucket_arn}/*"]
        Condition = {
          Null            = { "s3:x-amz-server-side-encryption" = ["false"] }
          StringNotEquals = { "s3:x-amz-server-side-encryption" = ["AES256"] }
        }
      }),
      jsonencode({
        Sid       = "AllowServerAccessLogDelivery"
        Effect    = "Allow"
        Principal = { Service = "logging.s3.amazonaws.com" }
        Action    = ["s3:PutObject"]
        Resource  = ["${var.log_bucket_arn}/*"]
        Condition = {
          ArnLike      = { "aws:SourceArn" = sort([var.destination_bucket_arn, var.source_bucket_arn]) }
          StringEquals = { "aws:SourceAccount" = ["123456789012"] }
        }
      }),
    ])
    error_message = "The log bucket policy must be exactly: deny non-TLS; deny a put asking for other than AES256; allow logging.s3.amazonaws.com to put for the source and destination buckets of this account. It is ${module.access_log_bucket[0].s3_bucket_policy}"
  }
}

run "no_bucket_policy_allows_anyone_but_log_delivery" {
  command = apply

  assert {
    condition = alltrue(flatten([
      for policy in [module.source_bucket.s3_bucket_policy, module.destination_bucket.s3_bucket_policy, module.access_log_bucket[0].s3_bucket_policy] : [
        for statement in jsondecode(policy).Statement :
        statement.Effect == "Deny" || jsonencode(statement.Principal) == jsonencode({ Service = "logging.s3.amazonaws.com" })
      ]
    ]))
    error_message = "Bucket policies may only deny, or allow S3 log delivery: access is granted by IAM, in this account."
  }
}

################################################################################
# Failure queues and alarm topic
################################################################################

run "event_dlq_takes_messages_from_the_rule_only" {
  command = apply

  assert {
    condition = toset([
      for statement in jsondecode(aws_sqs_queue_policy.event_dlq.policy).Statement : jsonencode({
        Sid       = statement.Sid
        Effect    = statement.Effect
        Principal = statement.Principal
        Action    = flatten([statement.Action])
        Resource  = flatten([statement.Resource])
        Condition = { for test, conditions in statement.Condition : test => { for key, values in conditions : key => flatten([values]) } }
      })
      ]) == toset([
      jsonencode({
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = ["sqs:*"]
        Resource  = [aws_sqs_queue.event_dlq.arn]
        Condition = { Bool = { "aws:SecureTransport" = ["false"] } }
      }),
      jsonencode({
        Sid       = "OnlyTheRuleSendsUndeliveredEvents"
        Effect    = "Allow"
        Principal = { Service = "events.amazonaws.com" }
        Action    = ["sqs:SendMessage"]
        Resource  = [aws_sqs_queue.event_dlq.arn]
        Condition = { ArnEquals = { "aws:SourceArn" = [var.rule_arn] } }
      }),
    ])
    error_message = "The event DLQ policy must deny non-TLS and let only events.amazonaws.com send, for the object_created rule only. It is ${aws_sqs_queue_policy.event_dlq.policy}"
  }

  assert {
    condition     = aws_sqs_queue_policy.event_dlq.queue_url == aws_sqs_queue.event_dlq.id && aws_sqs_queue_policy.function_failure.queue_url == aws_sqs_queue.function_failure.id
    error_message = "Each queue policy must be on its own queue."
  }
}

run "function_failure_queue_only_refuses_plain_http" {
  command = apply

  assert {
    condition = jsonencode(jsondecode(aws_sqs_queue_policy.function_failure.policy).Statement) == jsonencode([{
      Action    = "sqs:*"
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
      Effect    = "Deny"
      Principal = "*"
      Resource  = aws_sqs_queue.function_failure.arn
      Sid       = "DenyInsecureTransport"
    }])
    error_message = "The function-failures queue policy must only deny non-TLS requests (Lambda sends with the function's role, allowed by its own policy). It is ${aws_sqs_queue_policy.function_failure.policy}"
  }
}

run "only_this_accounts_alarms_publish_to_the_topic" {
  command = apply

  assert {
    condition = jsonencode([
      for statement in jsondecode(aws_sns_topic_policy.this.policy).Statement : {
        Effect    = statement.Effect
        Principal = statement.Principal
        Action    = flatten([statement.Action])
        Resource  = flatten([statement.Resource])
        Condition = statement.Condition
      }
      ]) == jsonencode([
      {
        Effect    = "Deny"
        Principal = "*"
        Action    = ["sns:Publish"]
        Resource  = [aws_sns_topic.this.arn]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
      {
        Effect    = "Allow"
        Principal = { Service = "cloudwatch.amazonaws.com" }
        Action    = ["sns:Publish"]
        Resource  = [aws_sns_topic.this.arn]
        Condition = {
          ArnLike      = { "aws:SourceArn" = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:pipesum-dev-*" }
          StringEquals = { "aws:SourceAccount" = "123456789012" }
        }
      },
    ])
    error_message = "The topic policy must deny publishing over plain HTTP and let only cloudwatch.amazonaws.com publish, for this account's pipesum-dev-* alarms. It is ${aws_sns_topic_policy.this.policy}"
  }

  assert {
    condition     = aws_sns_topic_policy.this.arn == aws_sns_topic.this.arn
    error_message = "The topic policy must be on the alarm topic."
  }
}
