# The remote-state bucket and its key: versioned, encrypted with a rotating customer managed key,
# never public, ACLs off, TLS only, old versions expired, and backend files that lock natively.

mock_provider "aws" {
  source          = "./tests/mocks"
  override_during = plan
}

variables {
  github_repository = "octo-org/pipesum"
}

run "bucket_is_named_after_project_account_and_region" {
  command = plan

  assert {
    condition     = aws_s3_bucket.this.bucket == "pipesum-tfstate-123456789012-us-east-1"
    error_message = "The default state bucket name must be <project>-tfstate-<account id>-<region>."
  }
}

run "bucket_name_can_be_given" {
  command = plan

  variables {
    state_bucket_name = "acme-terraform-state"
  }

  assert {
    condition     = aws_s3_bucket.this.bucket == "acme-terraform-state"
    error_message = "state_bucket_name must name the bucket."
  }

  assert {
    condition = alltrue([
      for statement in jsondecode(aws_s3_bucket_policy.this.policy).Statement :
      alltrue([for arn in flatten([statement.Resource]) : startswith(arn, "arn:aws:s3:::acme-terraform-state")])
    ])
    error_message = "The bucket policy must be about the named bucket."
  }
}

run "bucket_is_versioned" {
  command = plan

  assert {
    condition     = aws_s3_bucket_versioning.this.versioning_configuration[0].status == "Enabled"
    error_message = "State versions are the way back from a bad apply: versioning must be Enabled."
  }
}

run "bucket_is_encrypted_with_its_own_rotating_key" {
  command = plan

  assert {
    condition = (
      one(aws_s3_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default[0].sse_algorithm == "aws:kms" &&
      one(aws_s3_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default[0].kms_master_key_id == aws_kms_key.this.arn
    )
    error_message = "The bucket's default encryption must be SSE-KMS with the root's own key."
  }

  assert {
    condition     = one(aws_s3_bucket_server_side_encryption_configuration.this.rule).bucket_key_enabled == true
    error_message = "The S3 bucket key must be on (one KMS data key per bucket, not per object)."
  }

  assert {
    condition     = aws_kms_key.this.enable_key_rotation == true && aws_kms_key.this.rotation_period_in_days == 365
    error_message = "The state key must rotate yearly."
  }

  assert {
    condition     = aws_kms_key.this.deletion_window_in_days == 30
    error_message = "The state key must wait the longest window (30 days) before deletion by default."
  }
}

run "key_policy_trusts_only_this_account" {
  command = plan

  assert {
    condition = alltrue([
      for statement in jsondecode(aws_kms_key.this.policy).Statement :
      statement.Principal == { AWS = "arn:aws:iam::123456789012:root" }
    ])
    error_message = "The key policy may name no principal but this account (which then grants through IAM)."
  }
}

run "bucket_is_never_public_and_acls_are_off" {
  command = plan

  assert {
    condition = (
      aws_s3_bucket_public_access_block.this.block_public_acls &&
      aws_s3_bucket_public_access_block.this.block_public_policy &&
      aws_s3_bucket_public_access_block.this.ignore_public_acls &&
      aws_s3_bucket_public_access_block.this.restrict_public_buckets
    )
    error_message = "All four public access block settings must be on."
  }

  assert {
    condition     = aws_s3_bucket_ownership_controls.this.rule[0].object_ownership == "BucketOwnerEnforced"
    error_message = "ACLs must be disabled (BucketOwnerEnforced)."
  }
}

run "bucket_policy_denies_plain_http_and_old_tls" {
  command = plan

  assert {
    condition = anytrue([
      for statement in jsondecode(aws_s3_bucket_policy.this.policy).Statement :
      statement.Effect == "Deny" && statement.Principal == "*" && statement.Action == "s3:*" &&
      toset(flatten([statement.Resource])) == toset(["arn:aws:s3:::pipesum-tfstate-123456789012-us-east-1", "arn:aws:s3:::pipesum-tfstate-123456789012-us-east-1/*"]) &&
      statement.Condition == { Bool = { "aws:SecureTransport" = "false" } }
    ])
    error_message = "The bucket policy must deny every S3 action on the bucket and its objects to everyone without TLS."
  }

  assert {
    condition = anytrue([
      for statement in jsondecode(aws_s3_bucket_policy.this.policy).Statement :
      statement.Effect == "Deny" && statement.Principal == "*" && statement.Action == "s3:*" &&
      statement.Condition == { NumericLessThan = { "s3:TlsVersion" = "1.2" } }
    ])
    error_message = "The bucket policy must deny TLS older than 1.2."
  }

  assert {
    condition     = alltrue([for statement in jsondecode(aws_s3_bucket_policy.this.policy).Statement : statement.Effect == "Deny"])
    error_message = "The bucket policy only denies; access is granted by IAM."
  }
}

run "bucket_policy_refuses_other_encryption" {
  command = plan

  assert {
    condition = anytrue([
      for statement in jsondecode(aws_s3_bucket_policy.this.policy).Statement :
      statement.Effect == "Deny" && statement.Action == "s3:PutObject" &&
      try(statement.Condition.StringNotEquals["s3:x-amz-server-side-encryption-aws-kms-key-id"], "") == aws_kms_key.this.arn &&
      try(statement.Condition.Null["s3:x-amz-server-side-encryption-aws-kms-key-id"], "") == "false"
    ])
    error_message = "Writes naming another KMS key must be denied (and writes naming none left to the bucket default)."
  }

  assert {
    condition = anytrue([
      for statement in jsondecode(aws_s3_bucket_policy.this.policy).Statement :
      statement.Effect == "Deny" && statement.Action == "s3:PutObject" &&
      try(statement.Condition.StringNotEquals["s3:x-amz-server-side-encryption"], "") == "aws:kms" &&
      try(statement.Condition.Null["s3:x-amz-server-side-encryption"], "") == "false"
    ])
    error_message = "Writes asking for SSE-S3 (a backend without kms_key_id) must be denied."
  }
}

run "noncurrent_versions_expire" {
  command = plan

  variables {
    noncurrent_version_retention_days = 30
  }

  assert {
    condition     = one(aws_s3_bucket_lifecycle_configuration.this.rule).status == "Enabled"
    error_message = "The lifecycle rule must be enabled."
  }

  assert {
    condition     = one(aws_s3_bucket_lifecycle_configuration.this.rule).noncurrent_version_expiration[0].noncurrent_days == 30
    error_message = "Noncurrent state versions must expire after noncurrent_version_retention_days."
  }

  assert {
    condition     = length(one(aws_s3_bucket_lifecycle_configuration.this.rule).expiration) == 0
    error_message = "Current state versions must never expire."
  }

  assert {
    condition     = one(aws_s3_bucket_lifecycle_configuration.this.rule).abort_incomplete_multipart_upload[0].days_after_initiation == 7
    error_message = "Incomplete multipart uploads must be cleaned up."
  }
}

run "backend_files_lock_natively_and_name_the_key" {
  command = plan

  assert {
    condition     = toset(keys(output.backend_config)) == toset(["dev", "prod"])
    error_message = "There must be one backend file per environment."
  }

  assert {
    condition = alltrue([
      for env, content in output.backend_config :
      strcontains(content, "use_lockfile = true") &&
      strcontains(content, "encrypt      = true") &&
      strcontains(content, "key          = \"pipesum/${env}/terraform.tfstate\"") &&
      strcontains(content, "bucket       = \"pipesum-tfstate-123456789012-us-east-1\"") &&
      strcontains(content, "kms_key_id   = \"${aws_kms_key.this.arn}\"") &&
      !strcontains(content, "dynamodb")
    ])
    error_message = "Each backend file must name the bucket, the environment's key and the KMS key, encrypt, and use S3 native locking (no DynamoDB)."
  }
}
