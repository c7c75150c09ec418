data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  # Account id and region make the name globally unique without a random suffix.
  state_bucket_name = coalesce(var.state_bucket_name, "${var.project}-tfstate-${local.account_id}-${var.region}")
  state_bucket_arn  = "arn:${local.partition}:s3:::${local.state_bucket_name}"
  state_key_arn     = aws_kms_key.this.arn

  # One state object per stack environment; the S3 backend's lock file is "<key>.tflock".
  state_keys = { for env in var.environments : env => "${var.project}/${env}/terraform.tfstate" }

  tags = merge(var.tags, {
    Project   = var.project
    ManagedBy = "terraform"
    Component = "bootstrap"
  })
}

################################################################################
# Encryption key of the state
################################################################################

locals {
  # Written with jsonencode rather than aws_iam_policy_document so that `terraform test` with a
  # mock provider can assert every statement.
  #
  # The account root statement is AWS's default key policy: it hands control of the key to IAM
  # policies in this account and keeps the key manageable (no lockout). Who may use the key is then
  # decided by IAM: the GitHub roles get kms:Decrypt and kms:GenerateDataKey on this key only.
  state_key_policy = {
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountControlsTheKeyThroughIam"
        Effect    = "Allow"
        Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
        Action    = "kms:*"
        Resource  = "*"
      },
    ]
  }
}

resource "aws_kms_key" "this" {
  description             = "Encrypts the Terraform state of ${var.project} in s3://${local.state_bucket_name}."
  enable_key_rotation     = true
  rotation_period_in_days = 365
  deletion_window_in_days = var.kms_key_deletion_window_days
  policy                  = jsonencode(local.state_key_policy)

  lifecycle {
    prevent_destroy = true
  }
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.project}-tfstate"
  target_key_id = aws_kms_key.this.key_id
}

################################################################################
# State bucket
################################################################################

resource "aws_s3_bucket" "this" {
  #checkov:skip=CKV_AWS_18: Who reads or writes the state is in CloudTrail (the plan and apply roles' sessions, named per workflow run, and the KMS calls on the state key); server access logs would need a second bucket, SSE-S3 only, to harden and keep for a few small objects.
  #checkov:skip=CKV2_AWS_62: Nothing consumes events of the state bucket; Terraform reads it on demand.
  #checkov:skip=CKV_AWS_144: Versioning (with noncurrent versions kept for noncurrent_version_retention_days) is the recovery path for a bad write; a replica would need a second region, a multi-Region or second key and a replication role for state that can, at worst, be rebuilt with terraform import.
  bucket = local.state_bucket_name

  lifecycle {
    prevent_destroy = true
  }
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
      sse_algorithm     = "aws:kms"
      kms_master_key_id = aws_kms_key.this.arn
    }
    # One data key per bucket instead of one KMS call per object: cheaper, same protection.
    bucket_key_enabled = true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  rule {
    id     = "expire-noncurrent-state-versions"
    status = "Enabled"

    filter {}

    noncurrent_version_expiration {
      noncurrent_days = var.noncurrent_version_retention_days
    }

    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  # Lifecycle rules on an unversioned bucket would expire current state: version first.
  depends_on = [aws_s3_bucket_versioning.this]
}

locals {
  state_bucket_policy = {
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "DenyInsecureTransport"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [local.state_bucket_arn, "${local.state_bucket_arn}/*"]
        Condition = { Bool = { "aws:SecureTransport" = "false" } }
      },
      {
        Sid       = "DenyOutdatedTls"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:*"
        Resource  = [local.state_bucket_arn, "${local.state_bucket_arn}/*"]
        Condition = { NumericLessThan = { "s3:TlsVersion" = "1.2" } }
      },
      {
        # A backend configured without kms_key_id sends "AES256", which would silently replace the
        # key with SSE-S3: refuse any other encryption header, so the mistake shows at once. A
        # request without the header gets the bucket's default, this key.
        Sid       = "DenyOtherEncryption"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:PutObject"
        Resource  = "${local.state_bucket_arn}/*"
        Condition = {
          Null            = { "s3:x-amz-server-side-encryption" = "false" }
          StringNotEquals = { "s3:x-amz-server-side-encryption" = "aws:kms" }
        }
      },
      {
        Sid       = "DenyOtherKmsKeys"
        Effect    = "Deny"
        Principal = "*"
        Action    = "s3:PutObject"
        Resource  = "${local.state_bucket_arn}/*"
        Condition = {
          Null            = { "s3:x-amz-server-side-encryption-aws-kms-key-id" = "false" }
          StringNotEquals = { "s3:x-amz-server-side-encryption-aws-kms-key-id" = aws_kms_key.this.arn }
        }
      },
    ]
  }
}

resource "aws_s3_bucket_policy" "this" {
  bucket = aws_s3_bucket.this.id
  policy = jsonencode(local.state_bucket_policy)

  # S3 refuses a policy while the public access block is being written.
  depends_on = [aws_s3_bucket_public_access_block.this]
}
