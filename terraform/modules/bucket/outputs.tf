output "s3_bucket_id" {
  description = "Name of the bucket."
  value       = aws_s3_bucket.this.id
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

output "s3_bucket_server_side_encryption" {
  description = "The bucket's default encryption algorithms (one per rule), and the bucket they apply to."
  value = {
    bucket = aws_s3_bucket_server_side_encryption_configuration.this.bucket
    sse_algorithms = [
      for rule in aws_s3_bucket_server_side_encryption_configuration.this.rule :
      rule.apply_server_side_encryption_by_default[0].sse_algorithm
    ]
  }
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
