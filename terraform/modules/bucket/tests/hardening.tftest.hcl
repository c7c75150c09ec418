# What the bucket module promises, read back from the mocked resources: every public access
# blocked, ACLs off, versioning, default encryption, a bucket policy that refuses plain HTTP and
# any other encryption (and lets S3 deliver access logs only of the named buckets), lifecycle
# rules, optional access logging and EventBridge notifications.
#
# Policies are compared statement by statement after jsondecode, so a missing, extra or widened
# statement fails.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  bucket_name = "pipesum-test-bucket"
}

run "all_public_access_is_blocked_and_acls_are_off" {
  command = apply

  assert {
    condition = output.s3_bucket_public_access_block == {
      bucket                  = "pipesum-test-bucket"
      block_public_acls       = true
      block_public_policy     = true
      ignore_public_acls      = true
      restrict_public_buckets = true
    }
    error_message = "All four public access block settings must be on, for this bucket."
  }

  assert {
    condition     = output.s3_bucket_object_ownership == { bucket = "pipesum-test-bucket", object_ownership = "BucketOwnerEnforced" }
    error_message = "ACLs must be disabled (BucketOwnerEnforced)."
  }
}

run "bucket_is_versioned" {
  command = apply

  assert {
    condition     = output.s3_bucket_versioning == { bucket = "pipesum-test-bucket", status = "Enabled" }
    error_message = "Versioning must be enabled."
  }
}

run "without_a_key_default_encryption_is_sse_s3" {
  command = apply

  assert {
    condition = output.s3_bucket_server_side_encryption.bucket == "pipesum-test-bucket" && jsonencode(output.s3_bucket_server_side_encryption.rules) == jsonencode([{
      bucket_key_enabled = false
      kms_master_key_id  = null
      sse_algorithm      = "AES256"
    }])
    error_message = "Without kms_key_arn the default encryption must be SSE-S3, without a key or bucket key. It is ${jsonencode(output.s3_bucket_server_side_encryption.rules)}"
  }
}

run "with_a_key_default_encryption_is_sse_kms_with_a_bucket_key" {
  command = apply

  variables {
    kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  }

  assert {
    condition = output.s3_bucket_server_side_encryption.rules == [{
      sse_algorithm      = "aws:kms"
      kms_master_key_id  = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
      bucket_key_enabled = true
    }]
    error_message = "With kms_key_arn the default encryption must be SSE-KMS under that key, with a bucket key."
  }
}

run "without_a_key_the_policy_denies_plain_http_and_other_encryption" {
  command = apply

  assert {
    condition = jsondecode(output.s3_bucket_policy) == {
      Version = "2012-10-17"
      Statement = [
        {
          Sid       = "DenyInsecureTransport"
          Effect    = "Deny"
          Principal = "*"
          Action    = "s3:*"
          Resource  = ["arn:aws:s3:::pipesum-test-bucket", "arn:aws:s3:::pipesum-test-bucket/*"]
          Condition = { Bool = { "aws:SecureTransport" = "false" } }
        },
        {
          Sid       = "DenyOutdatedTls"
          Effect    = "Deny"
          Principal = "*"
          Action    = "s3:*"
          Resource  = ["arn:aws:s3:::pipesum-test-bucket", "arn:aws:s3:::pipesum-test-bucket/*"]
          Condition = { NumericLessThan = { "s3:TlsVersion" = "1.2" } }
        },
        {
          Sid       = "DenyOtherEncryption"
          Effect    = "Deny"
          Principal = "*"
          Action    = "s3:PutObject"
          Resource  = "arn:aws:s3:::pipesum-test-bucket/*"
          Condition = {
            StringNotEquals = { "s3:x-amz-server-side-encryption" = "AES256" }
            Null            = { "s3:x-amz-server-side-encryption" = "false" }
          }
        },
      ]
    }
    error_message = "The policy must be exactly the TLS, TLS version and SSE-S3 denials. It is ${output.s3_bucket_policy}"
  }
}

run "with_a_key_the_policy_also_denies_other_keys_and_kms_without_a_key_id" {
  command = apply

  variables {
    kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
  }

  assert {
    condition = jsondecode(output.s3_bucket_policy).Statement == [
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = ["arn:aws:s3:::pipesum-test-bucket", "arn:aws:s3:::pipesum-test-bucket/*"]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
      {
        Sid       = "DenyOutdatedTls"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = ["arn:aws:s3:::pipesum-test-bucket", "arn:aws:s3:::pipesum-test-bucket/*"]
        Condition = { NumericLessThan = { "s3:TlsVersion" = "1.2" } }
      },
      {
        Sid       = "DenyOtherEncryption"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:PutObject"
        Resource  = "arn:aws:s3:::pipesum-test-bucket/*"
        Condition = {
          StringNotEquals = { "s3:x-amz-server-side-encryption" = "aws:kms" }
          Null            = { "s3:x-amz-server-side-encryption" = "false" }
        }
      },
      {
        Sid       = "DenyOtherKmsKeys"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:PutObject"
        Resource  = "arn:aws:s3:::pipesum-test-bucket/*"
        Condition = {
          StringNotEquals = { "s3:x-amz-server-side-encryption-aws-kms-key-id" = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" }
          Null            = { "s3:x-amz-server-side-encryption-aws-kms-key-id" = "false" }
        }
      },
      {
        Sid       = "DenyKmsWithoutKeyId"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:PutObject"
        Resource  = "arn:aws:s3:::pipesum-test-bucket/*"
        Condition = {
          StringEquals = { "s3:x-amz-server-side-encryption" = "aws:kms" }
          Null         = { "s3:x-amz-server-side-encryption-aws-kms-key-id" = "true" }
        }
      },
    ]
    error_message = "The policy must be exactly the TLS, SSE-KMS, other-key and key-id denials. It is ${output.s3_bucket_policy}"
  }
}

run "a_log_bucket_lets_s3_deliver_logs_of_the_named_buckets_of_this_account_only" {
  command = apply

  variables {
    access_log_source_bucket_arns = ["arn:aws:s3:::one-source", "arn:aws:s3:::other-source"]
  }

  assert {
    condition = [
      for statement in jsondecode(output.s3_bucket_policy).Statement : statement if statement.Effect == "Allow"
      ] == [{
        Sid       = "AllowServerAccessLogDelivery"
        Effect    = "Allow"
        Principal = { Service = "logging.s3.amazonaws.com" }
        Action    = "s3:PutObject"
        Resource  = "arn:aws:s3:::pipesum-test-bucket/*"
        Condition = {
          ArnLike      = { "aws:SourceArn" = ["arn:aws:s3:::one-source", "arn:aws:s3:::other-source"] }
          StringEquals = { "aws:SourceAccount" = "123456789012" }
        }
    }]
    error_message = "The only Allow must be S3 log delivery, for the named buckets of this account. The policy: ${output.s3_bucket_policy}"
  }

  assert {
    condition     = [for statement in jsondecode(output.s3_bucket_policy).Statement : statement.Sid if statement.Effect == "Deny"] == ["DenyInsecureTransport", "DenyOutdatedTls", "DenyOtherEncryption"]
    error_message = "A log bucket keeps the TLS and encryption denials."
  }
}

run "without_log_sources_the_policy_allows_nothing" {
  command = apply

  assert {
    condition     = alltrue([for statement in jsondecode(output.s3_bucket_policy).Statement : statement.Effect == "Deny"])
    error_message = "A bucket that is no log bucket must have only Deny statements."
  }
}

run "the_whole_bucket_rule_expires_noncurrent_versions_incomplete_uploads_and_delete_markers" {
  command = apply

  # The whole-bucket rule's empty filter has no prefix of ours to compare (the mock makes one up).
  assert {
    condition = output.s3_bucket_lifecycle.bucket == "pipesum-test-bucket" && jsonencode({
      for id, rule in output.s3_bucket_lifecycle.rules : id => {
        abort_multipart_days  = rule.abort_multipart_days
        expiration_days       = rule.expiration_days
        expired_delete_marker = rule.expired_delete_marker
        noncurrent_days       = rule.noncurrent_days
        status                = rule.status
      }
      }) == jsonencode({
      whole-bucket = {
        abort_multipart_days  = 7
        expiration_days       = null
        expired_delete_marker = true
        noncurrent_days       = 30
        status                = "Enabled"
      }
    })
    error_message = "By default: one whole-bucket rule, noncurrent versions after 30 days, incomplete uploads after 7, expired delete markers removed, current objects kept. They are ${jsonencode(output.s3_bucket_lifecycle)}"
  }
}

run "objects_expire_after_expiration_days_and_under_each_prefix_rule" {
  command = apply

  variables {
    expiration_days                        = 90
    noncurrent_version_expiration_days     = 3
    abort_incomplete_multipart_upload_days = 2
    expiration_rules = [
      { id = "reports", prefix = "_rejected/", days = 14 },
      { id = "scratch", prefix = "scratch/", days = 1 },
    ]
  }

  assert {
    condition = jsonencode({
      for id, rule in output.s3_bucket_lifecycle.rules : id => {
        abort_multipart_days = rule.abort_multipart_days
        expiration_days      = rule.expiration_days
        noncurrent_days      = rule.noncurrent_days
        prefix               = id == "whole-bucket" ? null : rule.prefix
        status               = rule.status
      }
      }) == jsonencode({
      reports = {
        abort_multipart_days = null
        expiration_days      = 14
        noncurrent_days      = null
        prefix               = "_rejected/"
        status               = "Enabled"
      }
      scratch = {
        abort_multipart_days = null
        expiration_days      = 1
        noncurrent_days      = null
        prefix               = "scratch/"
        status               = "Enabled"
      }
      whole-bucket = {
        abort_multipart_days = 2
        expiration_days      = 90
        noncurrent_days      = 3
        prefix               = null
        status               = "Enabled"
      }
    })
    error_message = "expiration_days must expire the whole bucket, each expiration rule its prefix, and the other days follow their variables. They are ${jsonencode(output.s3_bucket_lifecycle.rules)}"
  }

}

run "no_access_logging_and_no_notifications_by_default" {
  command = apply

  assert {
    condition     = output.s3_bucket_logging == null
    error_message = "Without access_logging the bucket must not log."
  }

  assert {
    condition     = output.s3_bucket_notifications == []
    error_message = "Without enable_eventbridge the bucket must send no events."
  }
}

run "access_logs_go_to_the_target_bucket_under_the_prefix" {
  command = apply

  variables {
    access_logging = { target_bucket = "pipesum-test-logs", target_prefix = "source/" }
  }

  assert {
    condition     = output.s3_bucket_logging == { bucket = "pipesum-test-bucket", target_bucket = "pipesum-test-logs", target_prefix = "source/" }
    error_message = "Access logs must go to the given bucket and prefix."
  }
}

run "enable_eventbridge_sends_every_event_to_eventbridge" {
  command = apply

  variables {
    enable_eventbridge = true
  }

  assert {
    condition     = output.s3_bucket_notifications == [{ bucket = "pipesum-test-bucket", eventbridge = true }]
    error_message = "enable_eventbridge must turn on the bucket's EventBridge notifications."
  }
}

run "bucket_id_and_arn_name_the_bucket" {
  command = apply

  assert {
    condition     = output.s3_bucket_id == "pipesum-test-bucket" && output.s3_bucket_arn == "arn:aws:s3:::pipesum-test-bucket"
    error_message = "s3_bucket_id and s3_bucket_arn must name the bucket."
  }
}

run "force_destroy_is_off_by_default" {
  command = plan

  assert {
    condition     = aws_s3_bucket.this.force_destroy == false
    error_message = "A bucket holding objects must not be destroyed unless force_destroy is set."
  }
}
