data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  name_prefix = "${var.project}-${var.environment}"
  account_id  = data.aws_caller_identity.current.account_id
  partition   = data.aws_partition.current.partition

  # Account id and region make bucket names globally unique without a random suffix.
  bucket_suffix = "${local.account_id}-${var.region}"

  source_bucket_name      = coalesce(var.source_bucket_name, "${local.name_prefix}-source-${local.bucket_suffix}")
  destination_bucket_name = coalesce(var.destination_bucket_name, "${local.name_prefix}-destination-${local.bucket_suffix}")
  access_log_bucket_name  = "${local.name_prefix}-logs-${local.bucket_suffix}"

  tags = {
    Project     = var.project
    Environment = var.environment
    ManagedBy   = "terraform"
    Repository  = var.repository
    GitCommit   = var.git_commit
  }
}

################################################################################
# Storage
################################################################################

module "access_log_bucket" {
  source = "./modules/bucket"
  count  = var.enable_access_logging ? 1 : 0

  #checkov:skip=CKV_AWS_145: S3 server access logs can only be delivered to a bucket whose default encryption is SSE-S3 (AES256); AWS: "Default server-side encryption with AWS KMS keys (SSE-KMS) is not supported."
  #checkov:skip=CKV_AWS_18: This is the access log bucket: AWS advises that a log target bucket does not log itself (its own delivery would log without end).

  bucket_name   = local.access_log_bucket_name
  force_destroy = var.force_destroy_buckets

  # kms_key_arn stays null: SSE-S3, the only default encryption S3 log delivery supports.
  access_log_source_bucket_arns = [
    "arn:${local.partition}:s3:::${local.source_bucket_name}",
    "arn:${local.partition}:s3:::${local.destination_bucket_name}",
  ]

  noncurrent_version_expiration_days     = var.noncurrent_version_expiration_days
  abort_incomplete_multipart_upload_days = var.abort_incomplete_multipart_upload_days
  expiration_days                        = var.access_log_expiration_days
}

module "source_bucket" {
  source = "./modules/bucket"

  bucket_name        = local.source_bucket_name
  kms_key_arn        = aws_kms_key.this.arn
  enable_eventbridge = true
  force_destroy      = var.force_destroy_buckets

  access_logging = var.enable_access_logging ? {
    target_bucket = module.access_log_bucket[0].s3_bucket_id
    target_prefix = "source/"
  } : null

  noncurrent_version_expiration_days     = var.noncurrent_version_expiration_days
  abort_incomplete_multipart_upload_days = var.abort_incomplete_multipart_upload_days
}

module "destination_bucket" {
  source = "./modules/bucket"

  bucket_name   = local.destination_bucket_name
  kms_key_arn   = aws_kms_key.this.arn
  force_destroy = var.force_destroy_buckets

  access_logging = var.enable_access_logging ? {
    target_bucket = module.access_log_bucket[0].s3_bucket_id
    target_prefix = "destination/"
  } : null

  noncurrent_version_expiration_days     = var.noncurrent_version_expiration_days
  abort_incomplete_multipart_upload_days = var.abort_incomplete_multipart_upload_days
  expiration_rules = [
    { id = "expire-rejection-reports", prefix = "_rejected/", days = var.rejection_report_expiration_days },
  ]
}

################################################################################
# Function
################################################################################

locals {
  # Written with jsonencode rather than aws_iam_policy_document so that `terraform test` with a
  # mock provider can assert every action and resource.
  function_policy = {
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "ReadSourceObjects"
        Effect   = "Allow"
        Action   = ["s3:GetObject", "s3:GetObjectVersion"]
        Resource = "${module.source_bucket.s3_bucket_arn}/*"
      },
      {
        # Without ListBucket, S3 answers 403 instead of 404 for a key that does not exist.
        Sid      = "TellMissingKeys"
        Effect   = "Allow"
        Action   = "s3:ListBucket"
        Resource = [module.source_bucket.s3_bucket_arn, module.destination_bucket.s3_bucket_arn]
      },
      {
        # GetObject: read back only to compare the sequencer of an earlier output or report.
        # AbortMultipartUpload: a failed server-side copy of a large file leaves no parts.
        Sid      = "WriteAndCheckDestinationObjects"
        Effect   = "Allow"
        Action   = ["s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload"]
        Resource = "${module.destination_bucket.s3_bucket_arn}/*"
      },
      {
        # A multipart upload of a function killed mid-write is found by the retry and aborted.
        Sid      = "FindUploadsLeftOpen"
        Effect   = "Allow"
        Action   = "s3:ListBucketMultipartUploads"
        Resource = module.destination_bucket.s3_bucket_arn
      },
      {
        Sid      = "RemoveStaleRejectionReports"
        Effect   = "Allow"
        Action   = "s3:DeleteObject"
        Resource = "${module.destination_bucket.s3_bucket_arn}/_rejected/*"
      },
      {
        # Both buckets and the failure queue are encrypted with this key: reading an object
        # decrypts its data key, writing an object or a failure record generates one.
        # Through S3 and SQS only: the key policy delegates to IAM, so without kms:ViaService
        # here the role could call KMS directly.
        Sid      = "UseTheDataKey"
        Effect   = "Allow"
        Action   = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource = aws_kms_key.this.arn
        Condition = {
          StringEquals = { "kms:ViaService" = ["s3.${var.region}.amazonaws.com", "sqs.${var.region}.amazonaws.com"] }
        }
      },
    ]
  }
}

module "function" {
  source = "./modules/function"

  function_name   = "${local.name_prefix}-sum"
  description     = "Appends the sum of the second row of each file dropped into ${module.source_bucket.s3_bucket_id}."
  zip_path        = var.lambda_zip_path
  handler         = "pipesum.handler.handle"
  memory_mb       = var.lambda_memory_mb
  timeout_seconds = var.lambda_timeout_seconds
  kms_key_arn     = aws_kms_key.this.arn
  policy_json     = jsonencode(local.function_policy)

  permissions_boundary_arn = var.function_permissions_boundary_name == null ? null : "arn:${local.partition}:iam::${local.account_id}:policy/${var.function_permissions_boundary_name}"

  reserved_concurrent_executions = var.lambda_reserved_concurrency

  maximum_retry_attempts     = var.lambda_maximum_retry_attempts
  maximum_event_age_seconds  = var.lambda_maximum_event_age_seconds
  on_failure_destination_arn = aws_sqs_queue.function_failure.arn
  recursive_loop             = "Terminate"

  log_retention_days    = var.log_retention_days
  application_log_level = "INFO"
  # INFO: the platform's START, END and REPORT records (duration, memory) are INFO records.
  system_log_level = "INFO"

  environment = {
    SOURCE_BUCKET      = module.source_bucket.s3_bucket_id
    DESTINATION_BUCKET = module.destination_bucket.s3_bucket_id
    MAX_INPUT_BYTES    = tostring(var.max_input_bytes)
  }
}

################################################################################
# Events: S3 "Object Created" in the source bucket -> the function
################################################################################

locals {
  # EventBridge ORs the patterns of one field, so a prefix AND a suffix make one wildcard pattern
  # (with "*" and "\" in them escaped). Empty prefix and suffix: no key filter at all.
  escaped_key_prefix = replace(replace(var.event_key_prefix, "\\", "\\\\"), "*", "\\*")
  escaped_key_suffix = replace(replace(var.event_key_suffix, "\\", "\\\\"), "*", "\\*")

  key_filters = (
    var.event_key_prefix != "" && var.event_key_suffix != "" ? [{ wildcard = "${local.escaped_key_prefix}*${local.escaped_key_suffix}" }] :
    var.event_key_prefix != "" ? [{ prefix = var.event_key_prefix }] :
    var.event_key_suffix != "" ? [{ suffix = var.event_key_suffix }] :
    []
  )

  event_pattern = {
    source      = ["aws.s3"]
    detail-type = ["Object Created"]
    detail = merge(
      { bucket = { name = [module.source_bucket.s3_bucket_id] } },
      length(local.key_filters) == 0 ? {} : { object = { key = local.key_filters } },
    )
  }
}

resource "aws_cloudwatch_event_rule" "object_created" {
  name        = "${local.name_prefix}-object-created"
  description = "Object Created events of ${module.source_bucket.s3_bucket_id}, and no other bucket."

  event_pattern = jsonencode(local.event_pattern)

  lifecycle {
    precondition {
      condition     = local.source_bucket_name != local.destination_bucket_name
      error_message = "The destination bucket must not be the source bucket: every output the function writes would trigger it again."
    }
  }
}

resource "aws_cloudwatch_event_target" "function" {
  rule      = aws_cloudwatch_event_rule.object_created.name
  target_id = "sum-function"
  arn       = module.function.lambda_function_arn

  # First layer: EventBridge retries a failed delivery to Lambda (throttled, unreachable), then
  # keeps the event in its dead-letter queue.
  retry_policy {
    maximum_retry_attempts       = var.event_maximum_retry_attempts
    maximum_event_age_in_seconds = var.event_maximum_event_age_seconds
  }

  dead_letter_config {
    arn = aws_sqs_queue.event_dlq.arn
  }

  depends_on = [aws_sqs_queue_policy.event_dlq]
}

resource "aws_lambda_permission" "eventbridge" {
  statement_id  = "AllowObjectCreatedRule"
  action        = "lambda:InvokeFunction"
  function_name = module.function.lambda_function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.object_created.arn

  # One change to the function at a time: after its asynchronous and recursion settings. (On the
  # emulator, an AddPermission sent alongside them was once answered "already exists" on retry.)
  depends_on = [module.function]

  lifecycle {
    # Lambda deletes a function's resource policy with it, and a plan that re-creates the function
    # would not add this statement again: made again whenever the function is. The function's ARN
    # is unknown in a plan only when the function is created (code and configuration are updated
    # in place); replace_triggered_by takes resources of this module only, and the rule's target
    # holds that ARN.
    replace_triggered_by = [aws_cloudwatch_event_target.function.arn]
  }
}
