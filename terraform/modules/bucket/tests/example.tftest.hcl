# The example (examples/complete) plans and applies against the mocked provider: a log bucket that
# receives the data bucket's access logs, and a KMS-encrypted data bucket.

mock_provider "aws" {
  source = "./tests/mocks"
}

run "example_plans" {
  command = plan

  module {
    source = "./examples/complete"
  }

  assert {
    condition = [for statement in jsondecode(output.log_bucket_policy).Statement : statement if statement.Effect == "Allow"] == [{
      Sid       = "AllowServerAccessLogDelivery"
      Effect    = "Allow"
      Principal = { Service = "logging.s3.amazonaws.com" }
      Action    = "s3:PutObject"
      Resource  = "arn:aws:s3:::bucket-example-logs-123456789012-us-east-1/*"
      Condition = {
        ArnLike      = { "aws:SourceArn" = ["arn:aws:s3:::bucket-example-data-123456789012-us-east-1"] }
        StringEquals = { "aws:SourceAccount" = "123456789012" }
      }
    }]
    error_message = "The example's log bucket must let S3 deliver the data bucket's access logs, and no other's. Its policy: ${output.log_bucket_policy}"
  }
}

run "example_applies" {
  command = apply

  module {
    source = "./examples/complete"
  }

  override_resource {
    target = module.log_bucket.aws_s3_bucket.this
    values = {
      id  = "bucket-example-logs-123456789012-us-east-1"
      arn = "arn:aws:s3:::bucket-example-logs-123456789012-us-east-1"
    }
  }

  override_resource {
    target = module.data_bucket.aws_s3_bucket.this
    values = {
      id  = "bucket-example-data-123456789012-us-east-1"
      arn = "arn:aws:s3:::bucket-example-data-123456789012-us-east-1"
    }
  }

  assert {
    condition = module.data_bucket.s3_bucket_logging == {
      bucket        = "bucket-example-data-123456789012-us-east-1"
      target_bucket = "bucket-example-logs-123456789012-us-east-1"
      target_prefix = "data/"
    }
    error_message = "The example's data bucket must log into the log bucket, under data/."
  }

  assert {
    condition = module.data_bucket.s3_bucket_server_side_encryption.rules == [{
      sse_algorithm      = "aws:kms"
      kms_master_key_id  = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
      bucket_key_enabled = true
    }] && module.log_bucket.s3_bucket_server_side_encryption.sse_algorithms == ["AES256"]
    error_message = "The example's data bucket must be SSE-KMS under its key with a bucket key, the log bucket SSE-S3."
  }

  assert {
    condition     = module.data_bucket.s3_bucket_notifications == [{ bucket = "bucket-example-data-123456789012-us-east-1", eventbridge = true }] && module.log_bucket.s3_bucket_notifications == []
    error_message = "Only the example's data bucket must send its events to EventBridge."
  }

  assert {
    condition     = output.data_bucket_id == "bucket-example-data-123456789012-us-east-1" && output.log_bucket_id == "bucket-example-logs-123456789012-us-east-1"
    error_message = "The example's outputs must name its two buckets."
  }
}
