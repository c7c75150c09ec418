# The function's settings, read back from the mocked resources: runtime, package, logging into its
# own encrypted log group, tracing, reserved concurrency, asynchronous retries and the on-failure
# destination (no dead-letter queue), recursive loop detection.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  function_name              = "pipesum-test"
  zip_path                   = "../../../build/function.zip"
  handler                    = "pipesum.handler.handle"
  on_failure_destination_arn = "arn:aws:sqs:us-east-1:123456789012:pipesum-test-failures"
  policy_json                = jsonencode({ Version = "2012-10-17", Statement = [] })
}

run "defaults_are_python313_on_arm64_128_mb_and_30_seconds" {
  command = apply

  assert {
    condition = (
      output.lambda_function_name == "pipesum-test" &&
      output.lambda_function_runtime == "python3.13" &&
      output.lambda_function_architectures == tolist(["arm64"]) &&
      output.lambda_function_handler == "pipesum.handler.handle" &&
      output.lambda_function_memory_size == 128 &&
      output.lambda_function_timeout == 30
    )
    error_message = "By default the function must run python3.13 on arm64 with 128 MB for at most 30 s, with the given name and handler."
  }
}

run "settings_follow_their_variables" {
  command = apply

  variables {
    runtime         = "python3.12"
    architecture    = "x86_64"
    memory_mb       = 512
    timeout_seconds = 60
    environment     = { SOURCE_BUCKET = "inputs", MAX_INPUT_BYTES = "1024" }
    kms_key_arn     = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  }

  assert {
    condition = (
      output.lambda_function_runtime == "python3.12" &&
      output.lambda_function_architectures == tolist(["x86_64"]) &&
      output.lambda_function_memory_size == 512 &&
      output.lambda_function_timeout == 60
    )
    error_message = "Runtime, architecture, memory and timeout must follow their variables."
  }

  assert {
    condition     = output.lambda_function_environment == tomap({ SOURCE_BUCKET = "inputs", MAX_INPUT_BYTES = "1024" })
    error_message = "The function's environment must be exactly var.environment."
  }

  assert {
    condition = (
      output.lambda_function_kms_key_arn == "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" &&
      output.log_group_kms_key_id == "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    )
    error_message = "kms_key_arn must encrypt the function's environment and its log group."
  }
}

run "function_tracks_the_package_hash" {
  command = apply

  assert {
    condition     = output.lambda_function_source_code_hash == filebase64sha256("../../../build/function.zip")
    error_message = "source_code_hash must be the package's base64 SHA-256, so a new build redeploys."
  }
}

run "function_logs_json_into_its_own_log_group" {
  command = apply

  assert {
    condition = (
      output.log_group_name == "/aws/lambda/pipesum-test" &&
      output.lambda_function_log_group == "/aws/lambda/pipesum-test" &&
      output.log_group_retention_in_days == 30
    )
    error_message = "The function must log to /aws/lambda/<name>, kept 30 days by default (never forever)."
  }

  assert {
    condition     = output.lambda_function_logging_config == { log_format = "JSON", application_log_level = "INFO", system_log_level = "INFO" }
    error_message = "The function must log JSON, its own records and the platform's (START, END, REPORT) from INFO by default."
  }

  assert {
    condition     = output.log_group_kms_key_id == null && output.lambda_function_kms_key_arn == null
    error_message = "Without kms_key_arn the log group and environment use AWS managed keys."
  }
}

run "log_levels_and_retention_follow_their_variables" {
  command = apply

  variables {
    application_log_level = "DEBUG"
    system_log_level      = "WARN"
    log_retention_days    = 365
  }

  assert {
    condition     = output.lambda_function_logging_config == { log_format = "JSON", application_log_level = "DEBUG", system_log_level = "WARN" } && output.log_group_retention_in_days == 365
    error_message = "Log levels and retention must follow their variables."
  }
}

run "tracing_is_active_by_default" {
  command = apply

  assert {
    condition     = output.lambda_function_tracing_mode == "Active"
    error_message = "The function must have active X-Ray tracing by default."
  }
}

run "reserved_concurrency_null_is_unreserved" {
  command = apply

  assert {
    condition     = output.lambda_function_reserved_concurrent_executions == -1
    error_message = "reserved_concurrent_executions = null must leave the function unreserved (-1)."
  }
}

run "reserved_concurrency_minus_one_is_unreserved" {
  command = apply

  variables {
    reserved_concurrent_executions = -1
  }

  assert {
    condition     = output.lambda_function_reserved_concurrent_executions == -1
    error_message = "reserved_concurrent_executions = -1 must leave the function unreserved (-1)."
  }
}

run "reserved_concurrency_is_reserved_as_given" {
  command = apply

  variables {
    reserved_concurrent_executions = 5
  }

  assert {
    condition     = output.lambda_function_reserved_concurrent_executions == 5
    error_message = "reserved_concurrent_executions = 5 must reserve 5."
  }
}

run "reserved_concurrency_zero_stops_every_invocation" {
  command = apply

  variables {
    reserved_concurrent_executions = 0
  }

  assert {
    condition     = output.lambda_function_reserved_concurrent_executions == 0
    error_message = "reserved_concurrent_executions = 0 must be kept as 0 (not taken for unset)."
  }
}

run "failed_async_invocations_go_to_the_on_failure_destination_not_a_dlq" {
  command = apply

  assert {
    condition = output.lambda_function_event_invoke_config == {
      function_name                = "pipesum-test"
      qualifier                    = output.lambda_function_event_invoke_config.qualifier
      maximum_retry_attempts       = 2
      maximum_event_age_in_seconds = 21600
      on_failure_destination       = "arn:aws:sqs:us-east-1:123456789012:pipesum-test-failures"
      on_success_destinations      = []
    }
    error_message = "By default async invocations must be retried twice within 6 hours, then recorded to on_failure_destination_arn, and nothing sent on success."
  }

  assert {
    condition     = length(output.lambda_function_dead_letter_config) == 0
    error_message = "The function must have no dead-letter queue of its own: the on-failure record holds the error too."
  }
}

run "async_retries_and_age_follow_their_variables" {
  command = apply

  variables {
    maximum_retry_attempts    = 0
    maximum_event_age_seconds = 60
  }

  assert {
    condition = (
      output.lambda_function_event_invoke_config.maximum_retry_attempts == 0 &&
      output.lambda_function_event_invoke_config.maximum_event_age_in_seconds == 60
    )
    error_message = "Retries and event age must follow maximum_retry_attempts and maximum_event_age_seconds."
  }
}

run "recursive_loops_are_terminated_by_default" {
  command = apply

  assert {
    condition     = output.lambda_function_recursion_config == { function_name = "pipesum-test", recursive_loop = "Terminate" }
    error_message = "Lambda's recursive loop detection must stop the function (Terminate) by default."
  }
}
