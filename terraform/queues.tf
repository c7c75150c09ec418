################################################################################
# Failure queues: the two layers of delivery keep what they could not deliver
#
#   EventBridge rule -> function     retry_policy, then event_dlq (the event)
#   Lambda async queue -> function   retries, then function_failure (event + error)
################################################################################

resource "aws_sqs_queue" "event_dlq" {
  name                              = "${local.name_prefix}-event-dlq"
  message_retention_seconds         = var.failure_queue_retention_seconds
  kms_master_key_id                 = aws_kms_key.this.arn
  kms_data_key_reuse_period_seconds = 300
}

resource "aws_sqs_queue" "function_failure" {
  name                              = "${local.name_prefix}-function-failures"
  message_retention_seconds         = var.failure_queue_retention_seconds
  kms_master_key_id                 = aws_kms_key.this.arn
  kms_data_key_reuse_period_seconds = 300
}

locals {
  # Written with jsonencode rather than aws_iam_policy_document so that `terraform test` with a
  # mock provider can assert every statement.
  queue_deny_insecure_transport = {
    for name, queue in { event_dlq = aws_sqs_queue.event_dlq, function_failure = aws_sqs_queue.function_failure } :
    name => {
      Sid       = "DenyInsecureTransport"
      Effect    = "Deny"
      Principal = "*"
      Action    = "sqs:*"
      Resource  = queue.arn
      Condition = {
        Bool = { "aws:SecureTransport" = "false" }
      }
    }
  }

  event_dlq_policy = {
    Version = "2012-10-17"
    Statement = [
      local.queue_deny_insecure_transport["event_dlq"],
      {
        Sid       = "OnlyTheRuleSendsUndeliveredEvents"
        Effect    = "Allow"
        Principal = { Service = "events.amazonaws.com" }
        Action    = "sqs:SendMessage"
        Resource  = aws_sqs_queue.event_dlq.arn
        Condition = {
          ArnEquals = { "aws:SourceArn" = aws_cloudwatch_event_rule.object_created.arn }
        }
      },
    ]
  }

  # Lambda sends the failure records with the function's role, which its own policy allows
  # (same account): the queue policy only refuses plain HTTP.
  function_failure_queue_policy = {
    Version = "2012-10-17"
    Statement = [
      local.queue_deny_insecure_transport["function_failure"],
    ]
  }
}

resource "aws_sqs_queue_policy" "event_dlq" {
  queue_url = aws_sqs_queue.event_dlq.id
  policy    = jsonencode(local.event_dlq_policy)
}

resource "aws_sqs_queue_policy" "function_failure" {
  queue_url = aws_sqs_queue.function_failure.id
  policy    = jsonencode(local.function_failure_queue_policy)
}
