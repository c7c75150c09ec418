# The wiring of the pipeline: S3 "Object Created" in the source bucket -> EventBridge rule -> the
# function, the function's settings, the buckets' protections and the outputs the harness reads.
#
# No AWS account: the aws provider is mocked (tests/mocks), and `command = apply` lets the mock
# fill in computed values. The buckets' id and arn are overridden with what AWS would return
# (id = name, arn = arn:aws:s3:::name); a mock would make up random strings.

mock_provider "aws" {
  source = "./tests/mocks"
}

override_resource {
  target = module.source_bucket.aws_s3_bucket.this
  values = {
    id  = "pipesum-dev-source-123456789012-us-east-1"
    arn = "arn:aws:s3:::pipesum-dev-source-123456789012-us-east-1"
  }
}

override_resource {
  target = module.destination_bucket.aws_s3_bucket.this
  values = {
    id  = "pipesum-dev-destination-123456789012-us-east-1"
    arn = "arn:aws:s3:::pipesum-dev-destination-123456789012-us-east-1"
  }
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

run "buckets_encrypt_by_default" {
  command = apply

  assert {
    condition = alltrue([
      for bucket in [module.source_bucket, module.destination_bucket] :
      bucket.s3_bucket_server_side_encryption.bucket == bucket.s3_bucket_id &&
      length(bucket.s3_bucket_server_side_encryption.sse_algorithms) == 1 &&
      alltrue([for algorithm in bucket.s3_bucket_server_side_encryption.sse_algorithms : contains(["AES256", "aws:kms", "aws:kms:dsse"], algorithm)])
    ])
    error_message = "Both buckets must have a default server-side encryption rule."
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
}
