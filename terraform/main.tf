data "aws_caller_identity" "current" {}

locals {
  name_prefix = "${var.project}-${var.environment}"

  # Account id and region make bucket names globally unique without a random suffix.
  bucket_suffix = "${data.aws_caller_identity.current.account_id}-${var.region}"

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

module "source_bucket" {
  source = "./modules/bucket"

  bucket_name        = "${local.name_prefix}-source-${local.bucket_suffix}"
  enable_eventbridge = true
  force_destroy      = var.force_destroy_buckets
}

module "destination_bucket" {
  source = "./modules/bucket"

  bucket_name   = "${local.name_prefix}-destination-${local.bucket_suffix}"
  force_destroy = var.force_destroy_buckets
}

################################################################################
# Function
################################################################################

locals {
  # Written with jsonencode rather than aws_iam_policy_document so that `terraform test` with a
  # mock provider can assert every action and resource.
  function_s3_policy = {
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
        # Read back only to compare the sequencer recorded on an earlier output or report.
        Sid      = "WriteAndCheckDestinationObjects"
        Effect   = "Allow"
        Action   = ["s3:PutObject", "s3:GetObject"]
        Resource = "${module.destination_bucket.s3_bucket_arn}/*"
      },
      {
        Sid      = "RemoveStaleRejectionReports"
        Effect   = "Allow"
        Action   = "s3:DeleteObject"
        Resource = "${module.destination_bucket.s3_bucket_arn}/_rejected/*"
      },
    ]
  }
}

module "function" {
  source = "./modules/function"

  function_name      = "${local.name_prefix}-sum"
  description        = "Appends the sum of the second row of each file dropped into ${module.source_bucket.s3_bucket_id}."
  zip_path           = var.lambda_zip_path
  handler            = "pipesum.handler.handle"
  memory_mb          = var.lambda_memory_mb
  timeout_seconds    = var.lambda_timeout_seconds
  log_retention_days = var.log_retention_days
  policy_json        = jsonencode(local.function_s3_policy)

  environment = {
    SOURCE_BUCKET      = module.source_bucket.s3_bucket_id
    DESTINATION_BUCKET = module.destination_bucket.s3_bucket_id
    MAX_INPUT_BYTES    = tostring(var.max_input_bytes)
  }
}

################################################################################
# Events: S3 "Object Created" in the source bucket -> the function
################################################################################

resource "aws_cloudwatch_event_rule" "object_created" {
  name        = "${local.name_prefix}-object-created"
  description = "Object Created events of ${module.source_bucket.s3_bucket_id}, and no other bucket."

  event_pattern = jsonencode({
    source      = ["aws.s3"]
    detail-type = ["Object Created"]
    detail = {
      bucket = { name = [module.source_bucket.s3_bucket_id] }
    }
  })
}

resource "aws_cloudwatch_event_target" "function" {
  rule      = aws_cloudwatch_event_rule.object_created.name
  target_id = "sum-function"
  arn       = module.function.lambda_function_arn
}

resource "aws_lambda_permission" "eventbridge" {
  statement_id  = "AllowObjectCreatedRule"
  action        = "lambda:InvokeFunction"
  function_name = module.function.lambda_function_name
  principal     = "events.amazonaws.com"
  source_arn    = aws_cloudwatch_event_rule.object_created.arn
}
