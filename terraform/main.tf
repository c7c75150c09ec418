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

data "aws_iam_policy_document" "function_s3" {
  statement {
    sid       = "ReadSourceObjects"
    actions   = ["s3:GetObject", "s3:GetObjectVersion"]
    resources = ["${module.source_bucket.s3_bucket_arn}/*"]
  }

  statement {
    sid       = "WriteDestinationObjects"
    actions   = ["s3:PutObject"]
    resources = ["${module.destination_bucket.s3_bucket_arn}/*"]
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
  policy_json        = data.aws_iam_policy_document.function_s3.json

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
