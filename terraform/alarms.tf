################################################################################
# Alarms: anything that failed or waits in a failure queue -> the alarm topic
################################################################################

resource "aws_sns_topic" "this" {
  name              = "${local.name_prefix}-alarms"
  kms_master_key_id = aws_kms_key.this.arn
}

locals {
  # Written with jsonencode rather than aws_iam_policy_document so that `terraform test` with a
  # mock provider can assert every statement.
  alarm_topic_policy = {
    Version = "2012-10-17"
    Statement = [
      {
        # AWS's "enforce encryption of data in transit" statement for SNS (sns-security-best-practices).
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "sns:Publish"
        Resource  = aws_sns_topic.this.arn
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
      {
        Sid       = "OnlyThisAccountsAlarmsPublish"
        Effect    = "Allow"
        Principal = { Service = "cloudwatch.amazonaws.com" }
        Action    = "sns:Publish"
        Resource  = aws_sns_topic.this.arn
        Condition = {
          StringEquals = { "aws:SourceAccount" = local.account_id }
          ArnLike      = { "aws:SourceArn" = "arn:${local.partition}:cloudwatch:${var.region}:${local.account_id}:alarm:${local.name_prefix}-*" }
        }
      },
    ]
  }

  failure_queues = {
    event-dlq         = aws_sqs_queue.event_dlq.name
    function-failures = aws_sqs_queue.function_failure.name
  }

  # Every alarm fires on the first datapoint above its threshold in one period.
  alarms = merge(
    {
      function-errors = {
        description = "The function returned an error (an invocation failed; the event is retried, then recorded in the function-failures queue)."
        namespace   = "AWS/Lambda"
        metric_name = "Errors"
        dimensions  = { FunctionName = module.function.lambda_function_name }
        statistic   = "Sum"
        threshold   = 0
      }
      function-throttles = {
        description = "Invocations of the function were throttled (reserved concurrency or the account's limit reached)."
        namespace   = "AWS/Lambda"
        metric_name = "Throttles"
        dimensions  = { FunctionName = module.function.lambda_function_name }
        statistic   = "Sum"
        threshold   = 0
      }
      function-destination-delivery-failures = {
        description = "Lambda could not send a failure record to the function-failures queue: that event is lost."
        namespace   = "AWS/Lambda"
        metric_name = "DestinationDeliveryFailures"
        dimensions  = { FunctionName = module.function.lambda_function_name }
        statistic   = "Sum"
        threshold   = 0
      }
      function-rejections = {
        description = "More than ${var.alarm_rejections_threshold} files were rejected (see their reports under _rejected/ in the destination bucket): bad input needs a person."
        namespace   = "pipesum"
        metric_name = "Rejections"
        dimensions  = { FunctionName = module.function.lambda_function_name }
        statistic   = "Sum"
        threshold   = var.alarm_rejections_threshold
      }
      rule-failed-invocations = {
        description = "EventBridge failed to invoke the function for an Object Created event (it retries, then uses the event-dlq queue)."
        namespace   = "AWS/Events"
        metric_name = "FailedInvocations"
        dimensions  = { RuleName = aws_cloudwatch_event_rule.object_created.name }
        statistic   = "Sum"
        threshold   = 0
      }
      rule-dlq-delivery-failures = {
        description = "EventBridge could not put an undelivered event into the event-dlq queue: that event is lost."
        namespace   = "AWS/Events"
        metric_name = "InvocationsFailedToBeSentToDlq"
        dimensions  = { RuleName = aws_cloudwatch_event_rule.object_created.name }
        statistic   = "Sum"
        threshold   = 0
      }
    },
    {
      for queue, name in local.failure_queues : "${queue}-messages-visible" => {
        description = "Messages wait in the ${queue} queue: events that were not processed, to inspect and replay."
        namespace   = "AWS/SQS"
        metric_name = "ApproximateNumberOfMessagesVisible"
        dimensions  = { QueueName = name }
        statistic   = "Maximum"
        threshold   = 0
      }
    },
    {
      for queue, name in local.failure_queues : "${queue}-oldest-message-age" => {
        description = "A message has waited in the ${queue} queue for more than ${var.alarm_queue_age_threshold_seconds} s: nobody has handled it."
        namespace   = "AWS/SQS"
        metric_name = "ApproximateAgeOfOldestMessage"
        dimensions  = { QueueName = name }
        statistic   = "Maximum"
        threshold   = var.alarm_queue_age_threshold_seconds
      }
    },
  )
}

resource "aws_sns_topic_policy" "this" {
  arn    = aws_sns_topic.this.arn
  policy = jsonencode(local.alarm_topic_policy)
}

resource "aws_sns_topic_subscription" "this" {
  count = var.alarm_email == null ? 0 : 1

  topic_arn = aws_sns_topic.this.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name          = "${local.name_prefix}-${each.key}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric_name
  dimensions          = each.value.dimensions
  statistic           = each.value.statistic
  comparison_operator = "GreaterThanThreshold"
  threshold           = each.value.threshold
  period              = var.alarm_period_seconds
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"

  alarm_actions = [aws_sns_topic.this.arn]
  ok_actions    = [aws_sns_topic.this.arn]
}
