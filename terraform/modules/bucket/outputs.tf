output "s3_bucket_id" {
  description = "Name of the bucket, known once its bucket policy is in place (so a log bucket is ready for delivery when another bucket names it)."
  value       = aws_s3_bucket_policy.this.bucket
}

output "s3_bucket_arn" {
  description = "ARN of the bucket."
  value       = aws_s3_bucket.this.arn
}

# What the bucket is set up as, read back from the resources (not the inputs), so that callers and
# `terraform test` can check the settings took.

output "s3_bucket_public_access_block" {
  description = "The bucket's public access block settings, and the bucket they apply to."
  value = {
    bucket                  = aws_s3_bucket_public_access_block.this.bucket
    block_public_acls       = aws_s3_bucket_public_access_block.this.block_public_acls
    block_public_policy     = aws_s3_bucket_public_access_block.this.block_public_policy
    ignore_public_acls      = aws_s3_bucket_public_access_block.this.ignore_public_acls
    restrict_public_buckets = aws_s3_bucket_public_access_block.this.restrict_public_buckets
  }
}

output "s3_bucket_object_ownership" {
  description = "The bucket's object ownership setting, and the bucket it applies to."
  value = {
    bucket           = aws_s3_bucket_ownership_controls.this.bucket
    object_ownership = aws_s3_bucket_ownership_controls.this.rule[0].object_ownership
  }
}

output "s3_bucket_versioning" {
  description = "The bucket's versioning status, and the bucket it applies to."
  value = {
    bucket = aws_s3_bucket_versioning.this.bucket
    status = aws_s3_bucket_versioning.this.versioning_configuration[0].status
  }
}

output "s3_bucket_server_side_encryption" {
  description = "The bucket's default encryption rules (algorithm, KMS key, bucket key), and the bucket they apply to."
  value = {
    bucket = aws_s3_bucket_server_side_encryption_configuration.this.bucket
    sse_algorithms = [
      for rule in aws_s3_bucket_server_side_encryption_configuration.this.rule :
      rule.apply_server_side_encryption_by_default[0].sse_algorithm
    ]
    rules = [
      for rule in aws_s3_bucket_server_side_encryption_configuration.this.rule : {
        sse_algorithm      = rule.apply_server_side_encryption_by_default[0].sse_algorithm
        kms_master_key_id  = rule.apply_server_side_encryption_by_default[0].kms_master_key_id
        bucket_key_enabled = rule.bucket_key_enabled
      }
    ]
  }
}

output "s3_bucket_policy" {
  description = "The bucket policy (JSON)."
  value       = aws_s3_bucket_policy.this.policy
}

output "s3_bucket_lifecycle" {
  description = "The bucket's lifecycle rules by id (status, key prefix or null for the whole bucket, days to expiry of current objects and of noncurrent versions, whether expired delete markers are removed, days to abort incomplete multipart uploads; null where a rule does not set them), and the bucket they apply to."
  value = {
    bucket = aws_s3_bucket_lifecycle_configuration.this.bucket
    rules = {
      for rule in aws_s3_bucket_lifecycle_configuration.this.rule : rule.id => {
        status = rule.status
        prefix = try(rule.filter[0].prefix, null)
        # The provider reads an unset days back as 0, an unset flag as false.
        expiration_days       = try(rule.expiration[0].days, 0) == 0 ? null : rule.expiration[0].days
        expired_delete_marker = try(rule.expiration[0].expired_object_delete_marker, false)
        noncurrent_days       = try(rule.noncurrent_version_expiration[0].noncurrent_days, null)
        abort_multipart_days  = try(rule.abort_incomplete_multipart_upload[0].days_after_initiation, null)
      }
    }
  }
}

output "s3_bucket_logging" {
  description = "Where the bucket's server access logs go (target bucket and prefix), or null when it has no access logging."
  value = one([
    for logging in aws_s3_bucket_logging.this : {
      bucket        = logging.bucket
      target_bucket = logging.target_bucket
      target_prefix = logging.target_prefix
    }
  ])
}

output "s3_bucket_notifications" {
  description = "The bucket's event notification configurations (none, or one sending every event to EventBridge)."
  value = [
    for notification in aws_s3_bucket_notification.this : {
      bucket      = notification.bucket
      eventbridge = notification.eventbridge
    }
  ]
}
