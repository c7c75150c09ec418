# Every input validation of the bucket module rejects a bad value, and good values pass.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  bucket_name = "pipesum-test-bucket"
}

run "valid_values_pass" {
  command = plan

  variables {
    bucket_name                            = "a.b"
    kms_key_arn                            = "arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    access_logging                         = { target_bucket = "logs", target_prefix = "a/" }
    noncurrent_version_expiration_days     = 1
    abort_incomplete_multipart_upload_days = 1
    expiration_days                        = 1
    expiration_rules                       = [{ id = "a", prefix = "a/", days = 1 }, { id = "b", prefix = "b/", days = 2 }]
  }

  assert {
    condition     = aws_s3_bucket.this.bucket == "a.b"
    error_message = "Valid values must plan."
  }
}

run "bucket_name_must_be_a_bucket_name" {
  command = plan

  variables {
    bucket_name = "Pipesum_Bucket"
  }

  expect_failures = [var.bucket_name]
}

run "bucket_name_must_not_end_with_a_hyphen" {
  command = plan

  variables {
    bucket_name = "pipesum-"
  }

  expect_failures = [var.bucket_name]
}

run "bucket_name_must_be_at_most_63_characters" {
  command = plan

  variables {
    bucket_name = join("", [for i in range(16) : "abcd"]) # 64 characters
  }

  expect_failures = [var.bucket_name]
}

run "kms_key_arn_must_not_be_an_alias" {
  command = plan

  variables {
    kms_key_arn = "alias/pipesum"
  }

  expect_failures = [var.kms_key_arn]
}

run "kms_key_arn_must_not_be_a_key_id" {
  command = plan

  variables {
    kms_key_arn = "1234abcd-12ab-34cd-56ef-1234567890ab"
  }

  expect_failures = [var.kms_key_arn]
}

run "access_log_prefix_must_end_with_a_slash" {
  command = plan

  variables {
    access_logging = { target_bucket = "logs", target_prefix = "source" }
  }

  expect_failures = [var.access_logging]
}

run "noncurrent_version_expiration_days_must_be_positive" {
  command = plan

  variables {
    noncurrent_version_expiration_days = 0
  }

  expect_failures = [var.noncurrent_version_expiration_days]
}

run "abort_incomplete_multipart_upload_days_must_be_whole" {
  command = plan

  variables {
    abort_incomplete_multipart_upload_days = 1.5
  }

  expect_failures = [var.abort_incomplete_multipart_upload_days]
}

run "expiration_days_must_be_positive" {
  command = plan

  variables {
    expiration_days = 0
  }

  expect_failures = [var.expiration_days]
}

run "expiration_rule_days_must_be_whole" {
  command = plan

  variables {
    expiration_rules = [{ id = "a", prefix = "a/", days = 0.5 }]
  }

  expect_failures = [var.expiration_rules]
}

run "expiration_rule_needs_a_prefix" {
  command = plan

  variables {
    expiration_rules = [{ id = "a", prefix = "", days = 1 }]
  }

  expect_failures = [var.expiration_rules]
}

run "expiration_rule_may_not_be_called_whole_bucket" {
  command = plan

  variables {
    expiration_rules = [{ id = "whole-bucket", prefix = "a/", days = 1 }]
  }

  expect_failures = [var.expiration_rules]
}

run "expiration_rule_ids_must_be_unique" {
  command = plan

  variables {
    expiration_rules = [{ id = "a", prefix = "a/", days = 1 }, { id = "a", prefix = "b/", days = 1 }]
  }

  expect_failures = [var.expiration_rules]
}
