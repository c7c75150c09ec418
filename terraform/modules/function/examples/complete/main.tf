provider "aws" {
  region = var.region
}

locals {
  # The package `make build` writes at the repository root (harness/package.py).
  zip_path = "${path.module}/../../../../../build/function.zip"
}

################################################################################
# Where a record of each failed asynchronous invocation goes
################################################################################

resource "aws_sqs_queue" "failures" {
  #checkov:skip=CKV2_AWS_73: Kept small, the example encrypts its queue with SSE-SQS; the pipesum root encrypts its failure queue with the stack's customer managed key.
  name                      = "${var.function_name}-failures"
  sqs_managed_sse_enabled   = true
  message_retention_seconds = 1209600
}

################################################################################
# The function: reads objects of one bucket, besides its logs, traces and
# failure records
################################################################################

module "function" {
  source = "../../"

  function_name = var.function_name
  description   = "Example of the function module."
  zip_path      = local.zip_path
  handler       = "pipesum.handler.handle"

  memory_mb       = 256
  timeout_seconds = 60
  # Unreserved (the default): Lambda keeps 100 executions unreserved, so reserving N needs an
  # account limit of N + 100, and a new account's may be 10.
  log_retention_days = 14

  on_failure_destination_arn = aws_sqs_queue.failures.arn
  maximum_retry_attempts     = 1
  maximum_event_age_seconds  = 3600

  environment = {
    INPUT_BUCKET = var.input_bucket_name
  }

  policy_json = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "ReadInputs"
        Effect   = "Allow"
        Action   = "s3:GetObject"
        Resource = "arn:aws:s3:::${var.input_bucket_name}/*"
      },
    ]
  })
}
