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

    source_bucket_name                     = "my.source-bucket"
    destination_bucket_name                = "my.destination-bucket"
    lambda_reserved_concurrency            = 0
    lambda_maximum_retry_attempts          = 0
    lambda_maximum_event_age_seconds       = 21600
    event_key_prefix                       = "in/"
    event_key_suffix                       = ".txt"
    event_maximum_retry_attempts           = 185
    event_maximum_event_age_seconds        = 86400
    failure_queue_retention_seconds        = 60
    kms_key_deletion_window_days           = 7
    enable_access_logging                  = false
    access_log_expiration_days             = 1
    rejection_report_expiration_days       = 1
    noncurrent_version_expiration_days     = 1
    abort_incomplete_multipart_upload_days = 1
    alarm_email                            = "ops+pipesum@example.co.uk"
    alarm_period_seconds                   = 60
    alarm_queue_age_threshold_seconds      = 60
    alarm_rejections_threshold             = 100
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

run "source_bucket_name_must_be_a_bucket_name" {
  command = plan

  variables {
    source_bucket_name = "Source_Bucket"
  }

  expect_failures = [var.source_bucket_name]
}

run "destination_bucket_name_must_be_a_bucket_name" {
  command = plan

  variables {
    destination_bucket_name = "-destination"
  }

  expect_failures = [var.destination_bucket_name]
}

run "destination_bucket_must_not_be_the_source_bucket" {
  command = plan

  variables {
    source_bucket_name      = "one-bucket-for-all"
    destination_bucket_name = "one-bucket-for-all"
  }

  # The function's own outputs would trigger it again, without end.
  expect_failures = [aws_cloudwatch_event_rule.object_created]
}

run "lambda_reserved_concurrency_must_be_minus_one_or_more" {
  command = plan

  variables {
    lambda_reserved_concurrency = -2
  }

  expect_failures = [var.lambda_reserved_concurrency]
}

run "lambda_reserved_concurrency_must_be_whole" {
  command = plan

  variables {
    lambda_reserved_concurrency = 2.5
  }

  expect_failures = [var.lambda_reserved_concurrency]
}

run "lambda_maximum_retry_attempts_must_be_at_most_two" {
  command = plan

  variables {
    lambda_maximum_retry_attempts = 3
  }

  expect_failures = [var.lambda_maximum_retry_attempts]
}

run "lambda_maximum_event_age_seconds_must_be_in_range" {
  command = plan

  variables {
    lambda_maximum_event_age_seconds = 59
  }

  expect_failures = [var.lambda_maximum_event_age_seconds]
}

run "event_key_prefix_must_fit_an_s3_key" {
  command = plan

  variables {
    event_key_prefix = join("", [for i in range(205) : "abcde"]) # 1025 characters
  }

  expect_failures = [var.event_key_prefix]
}

run "event_key_suffix_must_fit_an_s3_key" {
  command = plan

  variables {
    event_key_suffix = join("", [for i in range(205) : "abcde"]) # 1025 characters
  }

  expect_failures = [var.event_key_suffix]
}

run "event_maximum_retry_attempts_must_be_in_range" {
  command = plan

  variables {
    event_maximum_retry_attempts = 186
  }

  expect_failures = [var.event_maximum_retry_attempts]
}

run "event_maximum_event_age_seconds_must_be_in_range" {
  command = plan

  variables {
    event_maximum_event_age_seconds = 86401
  }

  expect_failures = [var.event_maximum_event_age_seconds]
}

run "failure_queue_retention_seconds_must_be_in_range" {
  command = plan

  variables {
    failure_queue_retention_seconds = 1209601
  }

  expect_failures = [var.failure_queue_retention_seconds]
}

run "kms_key_deletion_window_days_must_be_in_range" {
  command = plan

  variables {
    kms_key_deletion_window_days = 6
  }

  expect_failures = [var.kms_key_deletion_window_days]
}

run "access_log_expiration_days_must_be_positive" {
  command = plan

  variables {
    access_log_expiration_days = 0
  }

  expect_failures = [var.access_log_expiration_days]
}

run "rejection_report_expiration_days_must_be_whole" {
  command = plan

  variables {
    rejection_report_expiration_days = 1.5
  }

  expect_failures = [var.rejection_report_expiration_days]
}

run "noncurrent_version_expiration_days_must_be_positive" {
  command = plan

  variables {
    noncurrent_version_expiration_days = 0
  }

  expect_failures = [var.noncurrent_version_expiration_days]
}

run "abort_incomplete_multipart_upload_days_must_be_positive" {
  command = plan

  variables {
    abort_incomplete_multipart_upload_days = 0
  }

  expect_failures = [var.abort_incomplete_multipart_upload_days]
}

run "alarm_email_must_be_an_address" {
  command = plan

  variables {
    alarm_email = "oncall at example.com"
  }

  expect_failures = [var.alarm_email]
}

run "alarm_period_seconds_must_be_whole_minutes" {
  command = plan

  variables {
    alarm_period_seconds = 90
  }

  expect_failures = [var.alarm_period_seconds]
}

run "alarm_queue_age_threshold_seconds_must_be_a_minute_or_more" {
  command = plan

  variables {
    alarm_queue_age_threshold_seconds = 30
  }

  expect_failures = [var.alarm_queue_age_threshold_seconds]
}

run "alarm_rejections_threshold_must_be_a_whole_number" {
  command = plan

  variables {
    alarm_rejections_threshold = 1.5
  }

  expect_failures = [var.alarm_rejections_threshold]
}

run "project_environment_and_region_must_leave_a_valid_bucket_name" {
  command = plan

  # Each valid alone (16, 12 and 14 characters); together the destination bucket's default name
  # would be 69 characters.
  variables {
    project     = "abcdefghijklmnop"
    environment = "abcdefghijkl"
    region      = "ap-southeast-4"
  }

  expect_failures = [var.environment]
}

run "long_names_pass_with_bucket_names_given" {
  command = plan

  variables {
    project                 = "abcdefghijklmnop"
    environment             = "abcdefg"
    region                  = "ap-southeast-4"
    source_bucket_name      = "my-source"
    destination_bucket_name = "my-destination"
  }

  assert {
    condition     = aws_cloudwatch_event_rule.object_created.name == "abcdefghijklmnop-abcdefg-object-created"
    error_message = "Given bucket names must lift the default names' length rule (the log bucket's name still fits)."
  }
}
