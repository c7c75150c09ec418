data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  bucket_arn = "arn:${data.aws_partition.current.partition}:s3:::${var.bucket_name}"

  # What default encryption applies, and so the only value a put may ask for explicitly.
  sse_algorithm = var.kms_key_arn == null ? "AES256" : "aws:kms"
}

resource "aws_s3_bucket" "this" {
  #checkov:skip=CKV_AWS_144: One-region pipeline: inputs can be dropped again and outputs recomputed; versioning and its lifecycle cover overwrites and deletions, a replica would double storage and KMS cost for no recovery need.
  #checkov:skip=CKV2_AWS_62: Event notifications are the caller's choice (enable_eventbridge): only the source bucket has consumers; the destination and log buckets have none.
  bucket        = var.bucket_name
  force_destroy = var.force_destroy
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket = aws_s3_bucket.this.id

  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id

  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = local.sse_algorithm
      kms_master_key_id = var.kms_key_arn
    }

    # One data key per bucket for a while instead of a KMS request per object.
    bucket_key_enabled = var.kms_key_arn != null
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    id     = "whole-bucket"
    status = "Enabled"

    filter {}

    # A delete marker whose noncurrent versions have all expired is removed too, or the bucket
    # keeps one for every deleted key. S3 refuses expired_object_delete_marker beside days; an
    # expiration by days removes expired delete markers itself.
    expiration {
      days                         = var.expiration_days
      expired_object_delete_marker = var.expiration_days == null ? true : null
    }

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_expiration_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = var.abort_incomplete_multipart_upload_days
    }
  }

  dynamic "rule" {
    for_each = var.expiration_rules

    content {
      id     = rule.value.id
      status = "Enabled"

      filter {
        prefix = rule.value.prefix
      }

      expiration {
        days = rule.value.days
      }
    }
  }

  # Lifecycle rules apply to versions: without versioning first, the noncurrent rule has no subject.
  depends_on = [aws_s3_bucket_versioning.this]
}

resource "aws_s3_bucket_logging" "this" {
  count = var.access_logging == null ? 0 : 1

  bucket        = aws_s3_bucket.this.id
  target_bucket = var.access_logging.target_bucket
  target_prefix = var.access_logging.target_prefix
}

resource "aws_s3_bucket_notification" "this" {
  count = var.enable_eventbridge ? 1 : 0

  bucket      = aws_s3_bucket.this.id
  eventbridge = true
}

################################################################################
# Bucket policy: TLS only, no other encryption than the default, log delivery
################################################################################

locals {
  # Written with jsonencode rather than aws_iam_policy_document so that `terraform test` with a
  # mock provider can assert every statement.
  #
  # The encryption denies match only a put that names an encryption: a put without the headers
  # (the function's, the harness's) gets the default encryption server-side, and is allowed.
  deny_statements = concat(
    [
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [local.bucket_arn, "${local.bucket_arn}/*"]
        Condition = {
          Bool = { "aws:SecureTransport" = "false" }
        }
      },
      {
        # TLS 1.0 and 1.1 are refused too (S3 still accepts them from older clients).
        Sid       = "DenyOutdatedTls"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [local.bucket_arn, "${local.bucket_arn}/*"]
        Condition = {
          NumericLessThan = { "s3:TlsVersion" = "1.2" }
        }
      },
      {
        Sid       = "DenyOtherEncryption"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:PutObject"
        Resource  = "${local.bucket_arn}/*"
        Condition = {
          StringNotEquals = { "s3:x-amz-server-side-encryption" = local.sse_algorithm }
          Null            = { "s3:x-amz-server-side-encryption" = "false" }
        }
      },
    ],
    var.kms_key_arn == null ? [] : [
      {
        Sid       = "DenyOtherKmsKeys"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:PutObject"
        Resource  = "${local.bucket_arn}/*"
        Condition = {
          StringNotEquals = { "s3:x-amz-server-side-encryption-aws-kms-key-id" = var.kms_key_arn }
          Null            = { "s3:x-amz-server-side-encryption-aws-kms-key-id" = "false" }
        }
      },
      {
        # "aws:kms" without a key id would be encrypted with the AWS managed key aws/s3.
        Sid       = "DenyKmsWithoutKeyId"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:PutObject"
        Resource  = "${local.bucket_arn}/*"
        Condition = {
          StringEquals = { "s3:x-amz-server-side-encryption" = "aws:kms" }
          Null         = { "s3:x-amz-server-side-encryption-aws-kms-key-id" = "true" }
        }
      },
    ],
  )

  # ACLs are disabled (BucketOwnerEnforced), so S3 log delivery is allowed by policy, as AWS
  # documents: for the named source buckets of this account only.
  log_delivery_statements = length(var.access_log_source_bucket_arns) == 0 ? [] : [
    {
      Sid       = "AllowServerAccessLogDelivery"
      Effect    = "Allow"
      Principal = { Service = "logging.s3.amazonaws.com" }
      Action    = "s3:PutObject"
      Resource  = "${local.bucket_arn}/*"
      Condition = {
        ArnLike      = { "aws:SourceArn" = var.access_log_source_bucket_arns }
        StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id }
      }
    },
  ]

  bucket_policy = {
    Version   = "2012-10-17"
    Statement = concat(local.deny_statements, local.log_delivery_statements)
  }
}

resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.id
  policy = jsonencode(local.bucket_policy)

  # With block_public_policy in place first, a policy that would make the bucket public is refused.
  depends_on = [aws_s3_bucket_public_access_block.this]
}
