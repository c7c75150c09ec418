# Every input validation of the root rejects a bad value, and good values pass.
#
# Each bad value breaks only its own rule: everything built from it (bucket and function names,
# the package hash) stays valid, so the one expected failure is the only error.

mock_provider "aws" {
  source = "./tests/mocks"
}

run "valid_values_pass" {
  command = plan

  variables {
    project                = "abc"
    environment            = "pr-1234"
    region                 = "eu-central-1"
    lambda_zip_path        = "../build/function.zip"
    lambda_memory_mb       = 10240
    lambda_timeout_seconds = 900
    max_input_bytes        = 1
    log_retention_days     = 3653
  }

  assert {
    condition     = output.region == "eu-central-1" && aws_cloudwatch_event_rule.object_created.name == "abc-pr-1234-object-created"
    error_message = "Valid values must plan, and name resources after project and environment."
  }
}

run "project_must_be_lowercase_name" {
  command = plan

  variables {
    project = "pipesum-" # ends with a hyphen
  }

  expect_failures = [var.project]
}

run "environment_must_be_lowercase_name" {
  command = plan

  variables {
    environment = "d" # one character
  }

  expect_failures = [var.environment]
}

run "region_must_look_like_a_region" {
  command = plan

  variables {
    region = "us-east" # no number
  }

  expect_failures = [var.region]
}

run "lambda_zip_path_must_be_a_zip" {
  command = plan

  variables {
    lambda_zip_path = "main.tf" # exists (the hash can be taken), but is no .zip
  }

  expect_failures = [var.lambda_zip_path]
}

run "lambda_memory_mb_must_be_in_range" {
  command = plan

  variables {
    lambda_memory_mb = 64
  }

  expect_failures = [var.lambda_memory_mb]
}

run "lambda_timeout_seconds_must_be_in_range" {
  command = plan

  variables {
    lambda_timeout_seconds = 901
  }

  expect_failures = [var.lambda_timeout_seconds]
}

run "max_input_bytes_must_be_a_positive_whole_number" {
  command = plan

  variables {
    max_input_bytes = 1.5
  }

  expect_failures = [var.max_input_bytes]
}

run "log_retention_days_must_be_a_cloudwatch_value" {
  command = plan

  variables {
    log_retention_days = 2
  }

  expect_failures = [var.log_retention_days]
}
