provider "aws" {
  region = var.region
}

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id

  data_bucket_name = "${var.name_prefix}-data-${local.account_id}-${var.region}"
  log_bucket_name  = "${var.name_prefix}-logs-${local.account_id}-${var.region}"
}

################################################################################
# The data bucket's key
################################################################################

resource "aws_kms_key" "this" {
  description             = "Default encryption of ${local.data_bucket_name}."
  enable_key_rotation     = true
  deletion_window_in_days = 7

  # The default key policy: the account administers the key, and IAM policies decide who uses it.
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministersTheKey"
        Effect    = "Allow"
        Principal = { AWS = "arn:${data.aws_partition.current.partition}:iam::${local.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
    ]
  })
}

################################################################################
# A log bucket (SSE-S3, receiving the data bucket's access logs) and a data
# bucket (SSE-KMS, logging into it, sending its events to EventBridge)
################################################################################

module "log_bucket" {
  source = "../../"

  #checkov:skip=CKV_AWS_145: S3 server access logs can only be delivered to a bucket whose default encryption is SSE-S3 (AES256).
  #checkov:skip=CKV_AWS_18: This is the access log bucket: a log target bucket does not log itself.

  bucket_name   = local.log_bucket_name
  force_destroy = true

  access_log_source_bucket_arns = ["arn:${data.aws_partition.current.partition}:s3:::${local.data_bucket_name}"]
  expiration_days               = 90
}

module "data_bucket" {
  source = "../../"

  bucket_name        = local.data_bucket_name
  kms_key_arn        = aws_kms_key.this.arn
  enable_eventbridge = true
  force_destroy      = true

  access_logging = {
    target_bucket = module.log_bucket.s3_bucket_id
    target_prefix = "data/"
  }

  noncurrent_version_expiration_days = 7
  expiration_rules = [
    { id = "scratch", prefix = "scratch/", days = 1 },
  ]
}
