# The wiring of the pipeline: S3 "Object Created" in the source bucket -> EventBridge rule -> the
# function, the function's settings, the buckets' protections and the outputs the harness reads.
#
# No AWS account: the aws provider is mocked (tests/mocks), and `command = apply` lets the mock
# fill in computed values. The buckets' and queues' ids and ARNs are overridden there with what
# AWS would return (a bucket's id is its name, its arn arn:aws:s3:::name); a mock would make up
# random strings.

mock_provider "aws" {
  source = "./tests/mocks"
}

################################################################################
# Events
################################################################################

run "rule_matches_object_created_in_source_bucket_only" {
  command = apply

  assert {
    condition = jsondecode(aws_cloudwatch_event_rule.object_created.event_pattern) == {
      source      = ["aws.s3"]
      detail-type = ["Object Created"]
      detail      = { bucket = { name = [module.source_bucket.s3_bucket_id] } }
    }
    error_message = "The rule's event pattern must be exactly: source aws.s3, detail-type Object Created, detail.bucket.name the source bucket; it is ${aws_cloudwatch_event_rule.object_created.event_pattern}."
  }

  assert {
    condition     = jsondecode(aws_cloudwatch_event_rule.object_created.event_pattern).detail.bucket.name == ["pipesum-dev-source-123456789012-us-east-1"]
    error_message = "The rule must match the source bucket by its name, and no other bucket."
  }

  assert {
    condition     = !contains(jsondecode(aws_cloudwatch_event_rule.object_created.event_pattern).detail.bucket.name, module.destination_bucket.s3_bucket_id)
    error_message = "The rule must not match the destination bucket (the function's own writes would trigger it)."
  }

  assert {
    # Unset means the default bus (the provider's default, which a mock leaves null).
    condition     = coalesce(aws_cloudwatch_event_rule.object_created.event_bus_name, "default") == "default"
    error_message = "S3 sends its events to the default event bus; the rule must be on it."
  }
}

run "rule_targets_the_function" {
  command = apply

  assert {
    condition     = aws_cloudwatch_event_target.function.arn == module.function.lambda_function_arn
    error_message = "The rule's target must be the function's ARN."
  }

  assert {
    condition     = aws_cloudwatch_event_target.function.rule == aws_cloudwatch_event_rule.object_created.name
    error_message = "The target must belong to the object_created rule."
  }
}

run "rule_retries_a_bounded_time_then_keeps_the_event_in_its_dlq" {
  command = apply

  assert {
    condition = (
      length(aws_cloudwatch_event_target.function.retry_policy) == 1 &&
      aws_cloudwatch_event_target.function.retry_policy[0].maximum_retry_attempts == var.event_maximum_retry_attempts &&
      aws_cloudwatch_event_target.function.retry_policy[0].maximum_event_age_in_seconds == var.event_maximum_event_age_seconds
    )
    error_message = "The target's retry_policy must bound attempts and event age with the event_maximum_* variables."
  }

  assert {
    condition     = var.event_maximum_retry_attempts == 24 && var.event_maximum_event_age_seconds == 3600
    error_message = "By default EventBridge retries 24 times within an hour (AWS's own default is 185 times within a day)."
  }

  assert {
    condition = (
      length(aws_cloudwatch_event_target.function.dead_letter_config) == 1 &&
      aws_cloudwatch_event_target.function.dead_letter_config[0].arn == aws_sqs_queue.event_dlq.arn &&
      aws_sqs_queue.event_dlq.arn == "arn:aws:sqs:us-east-1:123456789012:pipesum-dev-event-dlq"
    )
    error_message = "The target's dead_letter_config must be the event_dlq queue (not the function's failure queue)."
  }

  assert {
    condition = alltrue([
      for queue in [aws_sqs_queue.event_dlq, aws_sqs_queue.function_failure] :
      queue.kms_master_key_id == aws_kms_key.this.arn && queue.message_retention_seconds == 1209600
    ])
    error_message = "Both failure queues must be encrypted with the stack's key and keep messages 14 days."
  }

  assert {
    condition     = aws_sqs_queue.event_dlq.name == "pipesum-dev-event-dlq" && aws_sqs_queue.function_failure.name == "pipesum-dev-function-failures"
    error_message = "The failure queues must be named <project>-<environment>-event-dlq and -function-failures."
  }
}

run "rule_matches_any_key_when_no_prefix_or_suffix_is_set" {
  command = apply

  assert {
    condition     = var.event_key_prefix == "" && var.event_key_suffix == "" && !can(jsondecode(aws_cloudwatch_event_rule.object_created.event_pattern).detail.object)
    error_message = "With no prefix and no suffix (the defaults), the pattern must not filter on the key at all."
  }
}

run "rule_filters_on_the_key_prefix_when_set" {
  command = apply

  variables {
    event_key_prefix = "incoming/"
  }

  assert {
    condition = jsondecode(aws_cloudwatch_event_rule.object_created.event_pattern).detail == {
      bucket = { name = [module.source_bucket.s3_bucket_id] }
      object = { key = [{ prefix = "incoming/" }] }
    }
    error_message = "A prefix alone must appear as detail.object.key [{prefix}]; it is ${aws_cloudwatch_event_rule.object_created.event_pattern}."
  }
}

run "rule_filters_on_the_key_suffix_when_set" {
  command = apply

  variables {
    event_key_suffix = ".txt"
  }

  assert {
    condition = jsondecode(aws_cloudwatch_event_rule.object_created.event_pattern).detail == {
      bucket = { name = [module.source_bucket.s3_bucket_id] }
      object = { key = [{ suffix = ".txt" }] }
    }
    error_message = "A suffix alone must appear as detail.object.key [{suffix}]; it is ${aws_cloudwatch_event_rule.object_created.event_pattern}."
  }
}

run "rule_requires_both_prefix_and_suffix_when_both_are_set" {
  command = apply

  variables {
    event_key_prefix = "in*coming/"
    event_key_suffix = ".t\\xt"
  }

  assert {
    # [{prefix}, {suffix}] would match either; one wildcard requires both. "*" and "\" escaped.
    condition = jsondecode(aws_cloudwatch_event_rule.object_created.event_pattern).detail == {
      bucket = { name = [module.source_bucket.s3_bucket_id] }
      object = { key = [{ wildcard = "in\\*coming/*.t\\\\xt" }] }
    }
    error_message = "A prefix and a suffix must make one wildcard pattern, <prefix>*<suffix>, with * and \\ escaped; it is ${aws_cloudwatch_event_rule.object_created.event_pattern}."
  }
}

run "eventbridge_may_invoke_function_from_the_rule_only" {
  command = apply

  assert {
    condition     = aws_lambda_permission.eventbridge.principal == "events.amazonaws.com"
    error_message = "The permission must be granted to events.amazonaws.com."
  }

  assert {
    condition     = aws_lambda_permission.eventbridge.action == "lambda:InvokeFunction"
    error_message = "The permission must allow lambda:InvokeFunction and nothing else."
  }

  assert {
    condition     = aws_lambda_permission.eventbridge.source_arn == aws_cloudwatch_event_rule.object_created.arn
    error_message = "The permission must be limited to the object_created rule's ARN."
  }

  assert {
    condition     = aws_lambda_permission.eventbridge.function_name == module.function.lambda_function_name
    error_message = "The permission must be on the function."
  }
}

run "only_source_bucket_sends_events_to_eventbridge" {
  command = apply

  assert {
    condition = module.source_bucket.s3_bucket_notifications == [{
      bucket      = module.source_bucket.s3_bucket_id
      eventbridge = true
    }]
    error_message = "The source bucket must have one notification configuration, with eventbridge = true."
  }

  assert {
    condition     = length(module.destination_bucket.s3_bucket_notifications) == 0
    error_message = "The destination bucket must send no events to EventBridge."
  }
}

################################################################################
# Function
################################################################################

run "function_runs_python313_on_arm64" {
  command = apply

  assert {
    condition     = module.function.lambda_function_runtime == "python3.13"
    error_message = "The function's runtime must be python3.13."
  }

  assert {
    condition     = module.function.lambda_function_architectures == tolist(["arm64"])
    error_message = "The function must run on arm64 only."
  }

  assert {
    condition     = module.function.lambda_function_handler == "pipesum.handler.handle"
    error_message = "The function's handler must be pipesum.handler.handle."
  }
}

run "function_is_traced_logs_json_and_encrypts_its_environment" {
  command = apply

  variables {
    lambda_memory_mb       = 512
    lambda_timeout_seconds = 60
  }

  assert {
    condition     = module.function.lambda_function_tracing_mode == "Active"
    error_message = "The function must have active X-Ray tracing."
  }

  assert {
    condition = module.function.lambda_function_logging_config == {
      log_format            = "JSON"
      application_log_level = "INFO"
      system_log_level      = "INFO"
    }
    error_message = "The function must log JSON, its own records and the platform's (START, END, REPORT: duration and memory) from INFO."
  }

  assert {
    condition     = module.function.lambda_function_kms_key_arn == aws_kms_key.this.arn
    error_message = "The function's environment must be encrypted with the stack's key."
  }

  assert {
    condition     = module.function.lambda_function_memory_size == 512 && module.function.lambda_function_timeout == 60
    error_message = "Memory and timeout must be lambda_memory_mb and lambda_timeout_seconds."
  }

  assert {
    condition     = module.function.lambda_function_reserved_concurrent_executions == -1
    error_message = "By default the function reserves nothing (-1): a reservation fails on an account whose concurrency limit is under 100 + the reserve."
  }

  assert {
    condition     = length(module.function.lambda_function_dead_letter_config) == 0
    error_message = "The function has no dead-letter queue of its own: failures go to the on-failure destination, which also records the error."
  }
}

run "reserved_concurrency_minus_one_is_unreserved" {
  command = apply

  variables {
    lambda_reserved_concurrency = -1
  }

  assert {
    condition     = module.function.lambda_function_reserved_concurrent_executions == -1
    error_message = "lambda_reserved_concurrency = -1 must leave the function unreserved (-1)."
  }
}

run "reserved_concurrency_null_is_unreserved" {
  command = apply

  variables {
    lambda_reserved_concurrency = null
  }

  assert {
    condition     = module.function.lambda_function_reserved_concurrent_executions == -1
    error_message = "lambda_reserved_concurrency = null must leave the function unreserved (-1)."
  }
}

run "async_invocations_retry_a_bounded_time_then_go_to_the_failure_queue" {
  command = apply

  assert {
    condition = module.function.lambda_function_event_invoke_config == {
      function_name                = module.function.lambda_function_name
      qualifier                    = module.function.lambda_function_event_invoke_config.qualifier
      maximum_retry_attempts       = 2
      maximum_event_age_in_seconds = 3600
      on_failure_destination       = aws_sqs_queue.function_failure.arn
      on_success_destinations      = []
    }
    error_message = "The function's async config must retry twice within an hour, then send a record to the function_failure queue, and send nothing on success."
  }

  assert {
    condition     = aws_sqs_queue.function_failure.arn != aws_sqs_queue.event_dlq.arn
    error_message = "The two failure layers must keep their failures in two queues."
  }
}

run "async_retries_and_age_follow_their_variables" {
  command = apply

  variables {
    lambda_maximum_retry_attempts    = 0
    lambda_maximum_event_age_seconds = 60
  }

  assert {
    condition = (
      module.function.lambda_function_event_invoke_config.maximum_retry_attempts == 0 &&
      module.function.lambda_function_event_invoke_config.maximum_event_age_in_seconds == 60
    )
    error_message = "Retries and event age must be lambda_maximum_retry_attempts and lambda_maximum_event_age_seconds."
  }
}

run "recursive_loops_are_terminated" {
  command = apply

  assert {
    condition = module.function.lambda_function_recursion_config == {
      function_name  = module.function.lambda_function_name
      recursive_loop = "Terminate"
    }
    error_message = "Lambda's recursive loop detection must be on (Terminate) for the function."
  }
}

run "function_environment_names_both_buckets" {
  command = apply

  assert {
    condition     = module.function.lambda_function_environment["SOURCE_BUCKET"] == module.source_bucket.s3_bucket_id
    error_message = "SOURCE_BUCKET must be the source bucket's name."
  }

  assert {
    condition     = module.function.lambda_function_environment["DESTINATION_BUCKET"] == module.destination_bucket.s3_bucket_id
    error_message = "DESTINATION_BUCKET must be the destination bucket's name."
  }

  assert {
    condition     = module.function.lambda_function_environment["MAX_INPUT_BYTES"] == tostring(var.max_input_bytes)
    error_message = "MAX_INPUT_BYTES must be var.max_input_bytes."
  }

  assert {
    condition     = module.source_bucket.s3_bucket_id != module.destination_bucket.s3_bucket_id
    error_message = "The source and destination buckets must be different buckets."
  }
}

run "function_tracks_package_hash" {
  command = apply

  assert {
    condition     = module.function.lambda_function_source_code_hash == filebase64sha256(var.lambda_zip_path)
    error_message = "source_code_hash must be set to the package's base64 SHA-256, so a new build redeploys."
  }
}

run "log_group_is_the_functions_with_configured_retention" {
  command = apply

  variables {
    log_retention_days = 90
  }

  assert {
    condition     = module.function.log_group_retention_in_days == var.log_retention_days
    error_message = "The log group's retention must be var.log_retention_days."
  }

  assert {
    condition     = module.function.log_group_name == "/aws/lambda/${module.function.lambda_function_name}"
    error_message = "The log group must be /aws/lambda/<function name>, the group Lambda writes to."
  }

  assert {
    condition     = module.function.lambda_function_log_group == module.function.log_group_name
    error_message = "The function's logging_config must point at its log group."
  }

  assert {
    condition     = module.function.log_group_kms_key_id == aws_kms_key.this.arn
    error_message = "The log group must be encrypted with the stack's key."
  }
}

run "log_group_keeps_30_days_by_default" {
  command = apply

  assert {
    condition     = module.function.log_group_retention_in_days == 30
    error_message = "The log group must keep 30 days by default (never forever)."
  }
}

################################################################################
# Buckets
################################################################################

run "buckets_block_all_public_access" {
  command = apply

  assert {
    condition = alltrue([
      for bucket in [module.source_bucket, module.destination_bucket] :
      bucket.s3_bucket_public_access_block == {
        bucket                  = bucket.s3_bucket_id
        block_public_acls       = true
        block_public_policy     = true
        ignore_public_acls      = true
        restrict_public_buckets = true
      }
    ])
    error_message = "Both buckets must have all four public access block settings true."
  }
}

run "buckets_enforce_bucket_owner" {
  command = apply

  assert {
    condition = alltrue([
      for bucket in [module.source_bucket, module.destination_bucket] :
      bucket.s3_bucket_object_ownership == {
        bucket           = bucket.s3_bucket_id
        object_ownership = "BucketOwnerEnforced"
      }
    ])
    error_message = "Both buckets must have object ownership BucketOwnerEnforced (ACLs disabled)."
  }
}

run "buckets_encrypt_with_the_stack_key_and_the_log_bucket_with_sse_s3" {
  command = apply

  assert {
    condition = alltrue([
      for bucket in [module.source_bucket, module.destination_bucket] :
      bucket.s3_bucket_server_side_encryption.bucket == bucket.s3_bucket_id &&
      bucket.s3_bucket_server_side_encryption.rules == [{
        sse_algorithm      = "aws:kms"
        kms_master_key_id  = aws_kms_key.this.arn
        bucket_key_enabled = true
      }]
    ])
    error_message = "The source and destination buckets must encrypt by default with SSE-KMS under the stack's key, with a bucket key."
  }

  assert {
    # S3 server access logs can only be delivered to an SSE-S3 bucket.
    condition = jsonencode(module.access_log_bucket[0].s3_bucket_server_side_encryption.rules) == jsonencode([{
      bucket_key_enabled = false
      kms_master_key_id  = null
      sse_algorithm      = "AES256"
    }])
    error_message = "The access log bucket must encrypt with SSE-S3 (AES256), the only default encryption S3 log delivery supports; it has ${jsonencode(module.access_log_bucket[0].s3_bucket_server_side_encryption.rules)}."
  }
}

run "buckets_are_versioned" {
  command = apply

  assert {
    condition = alltrue([
      for bucket in [module.source_bucket, module.destination_bucket, module.access_log_bucket[0]] :
      bucket.s3_bucket_versioning == { bucket = bucket.s3_bucket_id, status = "Enabled" }
    ])
    error_message = "All three buckets must have versioning enabled."
  }
}

run "buckets_expire_old_versions_incomplete_uploads_and_rejection_reports" {
  command = apply

  variables {
    rejection_report_expiration_days = 14
  }

  assert {
    condition = alltrue([
      for bucket in [module.source_bucket, module.destination_bucket, module.access_log_bucket[0]] :
      bucket.s3_bucket_lifecycle.bucket == bucket.s3_bucket_id &&
      bucket.s3_bucket_lifecycle.rules["whole-bucket"].status == "Enabled" &&
      bucket.s3_bucket_lifecycle.rules["whole-bucket"].noncurrent_days == 30 &&
      bucket.s3_bucket_lifecycle.rules["whole-bucket"].abort_multipart_days == 7
    ])
    error_message = "Every bucket must expire noncurrent versions after 30 days and abort incomplete multipart uploads after 7 (the defaults)."
  }

  assert {
    condition = module.destination_bucket.s3_bucket_lifecycle.rules["expire-rejection-reports"] == {
      status                = "Enabled"
      prefix                = "_rejected/"
      expiration_days       = 14
      expired_delete_marker = false
      noncurrent_days       = null
      abort_multipart_days  = null
    }
    error_message = "The destination must expire rejection reports (_rejected/) after rejection_report_expiration_days."
  }

  assert {
    condition = (
      keys(module.source_bucket.s3_bucket_lifecycle.rules) == ["whole-bucket"] &&
      module.source_bucket.s3_bucket_lifecycle.rules["whole-bucket"].expiration_days == null &&
      module.destination_bucket.s3_bucket_lifecycle.rules["whole-bucket"].expiration_days == null
    )
    error_message = "Inputs and outputs must never expire (only old versions, uploads and rejection reports do)."
  }

  assert {
    condition = alltrue([
      for bucket in [module.source_bucket, module.destination_bucket] :
      bucket.s3_bucket_lifecycle.rules["whole-bucket"].expired_delete_marker == true
    ])
    error_message = "The versioned source and destination must remove a delete marker once its noncurrent versions have expired."
  }

  assert {
    condition = (
      module.access_log_bucket[0].s3_bucket_lifecycle.rules["whole-bucket"].expiration_days == 365 &&
      module.access_log_bucket[0].s3_bucket_lifecycle.rules["whole-bucket"].expired_delete_marker == false
    )
    error_message = "Access logs must expire after access_log_expiration_days (365 by default); an expiration by days removes expired delete markers itself (S3 refuses both in one rule)."
  }
}

run "buckets_log_requests_to_the_log_bucket" {
  command = apply

  assert {
    condition = module.source_bucket.s3_bucket_logging == {
      bucket        = module.source_bucket.s3_bucket_id
      target_bucket = module.access_log_bucket[0].s3_bucket_id
      target_prefix = "source/"
    }
    error_message = "The source bucket must log its requests to the log bucket under source/."
  }

  assert {
    condition = module.destination_bucket.s3_bucket_logging == {
      bucket        = module.destination_bucket.s3_bucket_id
      target_bucket = module.access_log_bucket[0].s3_bucket_id
      target_prefix = "destination/"
    }
    error_message = "The destination bucket must log its requests to the log bucket under destination/."
  }

  assert {
    condition     = module.access_log_bucket[0].s3_bucket_logging == null
    error_message = "The log bucket must not log itself."
  }

  assert {
    condition     = output.access_log_bucket_name == "pipesum-dev-logs-123456789012-us-east-1"
    error_message = "access_log_bucket_name must be the log bucket's name."
  }

  assert {
    condition = (
      module.access_log_bucket[0].s3_bucket_public_access_block.restrict_public_buckets &&
      module.access_log_bucket[0].s3_bucket_object_ownership.object_ownership == "BucketOwnerEnforced"
    )
    error_message = "The log bucket must be as private as the others."
  }
}

run "access_logging_can_be_turned_off" {
  command = apply

  variables {
    enable_access_logging = false
  }

  assert {
    condition     = length(module.access_log_bucket) == 0 && output.access_log_bucket_name == null
    error_message = "With enable_access_logging = false there must be no log bucket, and access_log_bucket_name must be null."
  }

  assert {
    condition     = module.source_bucket.s3_bucket_logging == null && module.destination_bucket.s3_bucket_logging == null
    error_message = "With enable_access_logging = false no bucket may log its requests."
  }
}

################################################################################
# Alarms
################################################################################

run "alarms_watch_both_failure_layers_and_notify_the_encrypted_topic" {
  command = apply

  assert {
    condition = jsonencode({
      for key, alarm in aws_cloudwatch_metric_alarm.this : key => {
        name       = alarm.alarm_name
        namespace  = alarm.namespace
        metric     = alarm.metric_name
        dimensions = alarm.dimensions
        statistic  = alarm.statistic
      }
      }) == jsonencode({
      function-errors                        = { name = "pipesum-dev-function-errors", namespace = "AWS/Lambda", metric = "Errors", dimensions = { FunctionName = "pipesum-dev-sum" }, statistic = "Sum" }
      function-throttles                     = { name = "pipesum-dev-function-throttles", namespace = "AWS/Lambda", metric = "Throttles", dimensions = { FunctionName = "pipesum-dev-sum" }, statistic = "Sum" }
      function-destination-delivery-failures = { name = "pipesum-dev-function-destination-delivery-failures", namespace = "AWS/Lambda", metric = "DestinationDeliveryFailures", dimensions = { FunctionName = "pipesum-dev-sum" }, statistic = "Sum" }
      function-rejections                    = { name = "pipesum-dev-function-rejections", namespace = "pipesum", metric = "Rejections", dimensions = { FunctionName = "pipesum-dev-sum" }, statistic = "Sum" }
      rule-failed-invocations                = { name = "pipesum-dev-rule-failed-invocations", namespace = "AWS/Events", metric = "FailedInvocations", dimensions = { RuleName = "pipesum-dev-object-created" }, statistic = "Sum" }
      rule-dlq-delivery-failures             = { name = "pipesum-dev-rule-dlq-delivery-failures", namespace = "AWS/Events", metric = "InvocationsFailedToBeSentToDlq", dimensions = { RuleName = "pipesum-dev-object-created" }, statistic = "Sum" }
      event-dlq-messages-visible             = { name = "pipesum-dev-event-dlq-messages-visible", namespace = "AWS/SQS", metric = "ApproximateNumberOfMessagesVisible", dimensions = { QueueName = "pipesum-dev-event-dlq" }, statistic = "Maximum" }
      event-dlq-oldest-message-age           = { name = "pipesum-dev-event-dlq-oldest-message-age", namespace = "AWS/SQS", metric = "ApproximateAgeOfOldestMessage", dimensions = { QueueName = "pipesum-dev-event-dlq" }, statistic = "Maximum" }
      function-failures-messages-visible     = { name = "pipesum-dev-function-failures-messages-visible", namespace = "AWS/SQS", metric = "ApproximateNumberOfMessagesVisible", dimensions = { QueueName = "pipesum-dev-function-failures" }, statistic = "Maximum" }
      function-failures-oldest-message-age   = { name = "pipesum-dev-function-failures-oldest-message-age", namespace = "AWS/SQS", metric = "ApproximateAgeOfOldestMessage", dimensions = { QueueName = "pipesum-dev-function-failures" }, statistic = "Maximum" }
    })
    error_message = "The alarms must be exactly: the function's Errors, Throttles, DestinationDeliveryFailures and Rejections (EMF); the rule's FailedInvocations and InvocationsFailedToBeSentToDlq; visible messages and oldest message age of both failure queues."
  }

  assert {
    condition = alltrue([
      for alarm in aws_cloudwatch_metric_alarm.this :
      alarm.alarm_actions == toset([aws_sns_topic.this.arn]) && alarm.ok_actions == toset([aws_sns_topic.this.arn]) &&
      alarm.comparison_operator == "GreaterThanThreshold" && alarm.evaluation_periods == 1 && alarm.period == 300 &&
      alarm.treat_missing_data == "notBreaching"
    ])
    error_message = "Every alarm must notify the alarm topic on ALARM and OK, on the first datapoint above its threshold in 300 s, and treat missing data as fine."
  }

  assert {
    condition = alltrue([
      for key, alarm in aws_cloudwatch_metric_alarm.this :
      alarm.threshold == (endswith(key, "-oldest-message-age") ? 86400 : 0)
    ])
    error_message = "Counting alarms must fire above 0; the oldest-message alarms above alarm_queue_age_threshold_seconds (a day)."
  }

  assert {
    condition     = aws_sns_topic.this.name == "pipesum-dev-alarms" && aws_sns_topic.this.kms_master_key_id == aws_kms_key.this.arn
    error_message = "The alarm topic must be <project>-<environment>-alarms, encrypted with the stack's key."
  }

  assert {
    condition     = length(aws_sns_topic_subscription.this) == 0 && output.alarm_topic_arn == aws_sns_topic.this.arn
    error_message = "Without alarm_email there is no subscription; alarm_topic_arn is the topic's."
  }
}

run "alarm_email_subscribes_to_the_topic" {
  command = apply

  variables {
    alarm_email = "oncall@example.com"
  }

  assert {
    condition = (
      length(aws_sns_topic_subscription.this) == 1 &&
      aws_sns_topic_subscription.this[0].topic_arn == aws_sns_topic.this.arn &&
      aws_sns_topic_subscription.this[0].protocol == "email" &&
      aws_sns_topic_subscription.this[0].endpoint == "oncall@example.com"
    )
    error_message = "alarm_email must subscribe that address to the alarm topic by e-mail."
  }
}

################################################################################
# Tags
################################################################################

run "every_resource_is_tagged_through_the_providers_default_tags" {
  command = apply

  variables {
    environment = "prod"
    repository  = "github.com/example/pipesum"
    git_commit  = "0123456789abcdef0123456789abcdef01234567"
  }

  # default_tags cannot be read back from a mocked provider: the map it is given is checked.
  assert {
    condition = local.tags == {
      Project     = "pipesum"
      Environment = "prod"
      ManagedBy   = "terraform"
      Repository  = "github.com/example/pipesum"
      GitCommit   = "0123456789abcdef0123456789abcdef01234567"
    }
    error_message = "The provider's default tags must be Project, Environment, ManagedBy=terraform, Repository and GitCommit from the variables."
  }
}

################################################################################
# Outputs the harness reads
################################################################################

run "outputs_name_the_deployed_resources" {
  command = apply

  assert {
    condition     = output.source_bucket_name == module.source_bucket.s3_bucket_id && output.source_bucket_name == "pipesum-dev-source-123456789012-us-east-1"
    error_message = "source_bucket_name must be the source bucket's name."
  }

  assert {
    condition     = output.destination_bucket_name == module.destination_bucket.s3_bucket_id && output.destination_bucket_name == "pipesum-dev-destination-123456789012-us-east-1"
    error_message = "destination_bucket_name must be the destination bucket's name."
  }

  assert {
    condition     = output.lambda_function_name == module.function.lambda_function_name && output.lambda_function_name == "pipesum-dev-sum"
    error_message = "lambda_function_name must be the function's name."
  }

  assert {
    condition     = output.region == var.region && output.region == "us-east-1"
    error_message = "region must be var.region."
  }

  assert {
    condition     = output.lambda_function_arn == module.function.lambda_function_arn
    error_message = "lambda_function_arn must be the function's ARN."
  }

  assert {
    condition     = output.lambda_log_group_name == module.function.log_group_name
    error_message = "lambda_log_group_name must be the function's log group."
  }

  assert {
    condition     = output.event_rule_name == aws_cloudwatch_event_rule.object_created.name
    error_message = "event_rule_name must be the object_created rule's name."
  }

  assert {
    condition     = output.kms_key_arn == aws_kms_key.this.arn
    error_message = "kms_key_arn must be the stack key's ARN."
  }

  assert {
    condition = (
      output.event_dlq_url == "https://sqs.us-east-1.amazonaws.com/123456789012/pipesum-dev-event-dlq" &&
      output.event_dlq_arn == aws_sqs_queue.event_dlq.arn &&
      output.function_failure_queue_url == "https://sqs.us-east-1.amazonaws.com/123456789012/pipesum-dev-function-failures" &&
      output.function_failure_queue_arn == aws_sqs_queue.function_failure.arn
    )
    error_message = "event_dlq_* and function_failure_queue_* must be the URL and ARN of their own queue."
  }

  assert {
    condition     = output.alarm_topic_arn == aws_sns_topic.this.arn && length(output.alarm_names) == 10
    error_message = "alarm_topic_arn must be the alarm topic's ARN, alarm_names every alarm."
  }
}
