# Every input validation of the function module rejects a bad value, and good values pass; and
# the reliability tests' fault hook (PIPESUM_FAULT) is never deployed.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  function_name              = "pipesum-test"
  zip_path                   = "../../../build/function.zip"
  handler                    = "pipesum.handler.handle"
  on_failure_destination_arn = "arn:aws:sqs:us-east-1:123456789012:pipesum-test-failures"
  policy_json                = "{}"
}

run "valid_values_pass" {
  command = plan

  variables {
    function_name                  = join("", [for i in range(16) : "Ab_-"]) # 64 characters
    architecture                   = "x86_64"
    reserved_concurrent_executions = 0
    tracing_mode                   = "PassThrough"
    maximum_retry_attempts         = 0
    maximum_event_age_seconds      = 60
    recursive_loop                 = "Allow"
    application_log_level          = "TRACE"
    system_log_level               = "DEBUG"
    environment                    = { PIPESUM = "fault" }
  }

  assert {
    condition     = aws_lambda_function.this.function_name == join("", [for i in range(16) : "Ab_-"])
    error_message = "Valid values must plan."
  }
}

# Moved from terraform/tests/fault_hook.tftest.hcl: it is about this module alone.
run "module_refuses_the_fault_hook" {
  command = plan

  variables {
    environment = { PIPESUM_FAULT = "kill@put" }
  }

  expect_failures = [var.environment]
}

run "function_name_must_be_at_most_64_characters" {
  command = plan

  variables {
    function_name = join("", [for i in range(13) : "abcde"]) # 65 characters
  }

  expect_failures = [var.function_name]
}

run "function_name_must_not_hold_a_dot" {
  command = plan

  variables {
    function_name = "pipesum.sum"
  }

  expect_failures = [var.function_name]
}

run "architecture_must_be_arm64_or_x86_64" {
  command = plan

  variables {
    architecture = "aarch64"
  }

  expect_failures = [var.architecture]
}

run "reserved_concurrency_must_be_minus_one_or_more" {
  command = plan

  variables {
    reserved_concurrent_executions = -2
  }

  expect_failures = [var.reserved_concurrent_executions]
}

run "reserved_concurrency_must_be_whole" {
  command = plan

  variables {
    reserved_concurrent_executions = 2.5
  }

  expect_failures = [var.reserved_concurrent_executions]
}

run "tracing_mode_must_be_active_or_passthrough" {
  command = plan

  variables {
    tracing_mode = "active"
  }

  expect_failures = [var.tracing_mode]
}

run "maximum_retry_attempts_must_be_at_most_two" {
  command = plan

  variables {
    maximum_retry_attempts = 3
  }

  expect_failures = [var.maximum_retry_attempts]
}

run "maximum_event_age_seconds_must_be_a_minute_or_more" {
  command = plan

  variables {
    maximum_event_age_seconds = 59
  }

  expect_failures = [var.maximum_event_age_seconds]
}

run "maximum_event_age_seconds_must_be_six_hours_or_less" {
  command = plan

  variables {
    maximum_event_age_seconds = 21601
  }

  expect_failures = [var.maximum_event_age_seconds]
}

run "maximum_event_age_seconds_must_be_whole" {
  command = plan

  variables {
    maximum_event_age_seconds = 60.5
  }

  expect_failures = [var.maximum_event_age_seconds]
}

run "recursive_loop_must_be_terminate_or_allow" {
  command = plan

  variables {
    recursive_loop = "Stop"
  }

  expect_failures = [var.recursive_loop]
}

run "application_log_level_must_be_a_lambda_level" {
  command = plan

  variables {
    application_log_level = "WARNING"
  }

  expect_failures = [var.application_log_level]
}

run "system_log_level_must_be_debug_info_or_warn" {
  command = plan

  variables {
    system_log_level = "ERROR"
  }

  expect_failures = [var.system_log_level]
}
