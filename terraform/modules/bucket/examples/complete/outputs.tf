output "data_bucket_id" {
  description = "Name of the data bucket."
  value       = module.data_bucket.s3_bucket_id
}

output "data_bucket_arn" {
  description = "ARN of the data bucket."
  value       = module.data_bucket.s3_bucket_arn
}

output "data_bucket_policy" {
  description = "Bucket policy (JSON) of the data bucket."
  value       = module.data_bucket.s3_bucket_policy
}

output "log_bucket_id" {
  description = "Name of the log bucket."
  value       = module.log_bucket.s3_bucket_id
}

output "log_bucket_policy" {
  description = "Bucket policy (JSON) of the log bucket."
  value       = module.log_bucket.s3_bucket_policy
}

output "kms_key_arn" {
  description = "ARN of the key that encrypts the data bucket."
  value       = aws_kms_key.this.arn
}
