data "aws_partition" "current" {}

data "aws_region" "current" {}

data "aws_caller_identity" "current" {}

locals {
  log_group_name = "/aws/lambda/${var.function_name}"
  log_group_arn  = "arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:log-group:${local.log_group_name}"
}

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_338: Retention is the caller's log_retention_days (pipesum: 14 days in dev, 365 in prod): these are per-file processing records, not an audit trail; S3 server access logs and CloudTrail keep the audit record.
  name              = local.log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

################################################################################
# Execution role: assumed by Lambda only, allowed its own logs, traces, failure
# records and policy_json
################################################################################

locals {
  # Written with jsonencode rather than aws_iam_policy_document so that `terraform test` with a
  # mock provider can assert every statement (a mocked data source returns a random string).
  # Single values are scalars, as aws_iam_policy_document renders them.
  assume_role_policy = {
    Version = "2012-10-17"
    Statement = [
      {
        Effect    = "Allow"
        Action    = "sts:AssumeRole"
        Principal = { Service = "lambda.amazonaws.com" }
        Condition = {
          StringEquals = { "aws:SourceAccount" = data.aws_caller_identity.current.account_id }
        }
      },
    ]
  }

  logs_policy = {
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "WriteOwnLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = "${local.log_group_arn}:log-stream:*"
      },
    ]
  }

  tracing_policy = {
    Version = "2012-10-17"
    Statement = [
      {
        # X-Ray has no resource-level permissions for these two actions: "*" is the only
        # resource AWS accepts (it is what AWSXRayDaemonWriteAccess grants).
        Sid      = "WriteTraces"
        Effect   = "Allow"
        Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
        Resource = "*"
      },
    ]
  }

  # Lambda sends the on-failure record with the function's role.
  async_failure_policy = {
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "RecordFailedInvocations"
        Effect   = "Allow"
        Action   = "sqs:SendMessage"
        Resource = var.on_failure_destination_arn
      },
    ]
  }
}

resource "aws_iam_role" "this" {
  name                 = var.function_name
  assume_role_policy   = jsonencode(local.assume_role_policy)
  permissions_boundary = var.permissions_boundary_arn
}

resource "aws_iam_role_policy" "logs" {
  name   = "logs"
  role   = aws_iam_role.this.id
  policy = jsonencode(local.logs_policy)
}

resource "aws_iam_role_policy" "tracing" {
  count = var.tracing_mode == "Active" ? 1 : 0

  name   = "tracing"
  role   = aws_iam_role.this.id
  policy = jsonencode(local.tracing_policy)
}

resource "aws_iam_role_policy" "async_failure" {
  name   = "async-failure"
  role   = aws_iam_role.this.id
  policy = jsonencode(local.async_failure_policy)
}

resource "aws_iam_role_policy" "this" {
  name   = "function"
  role   = aws_iam_role.this.id
  policy = var.policy_json
}

################################################################################
# Function
################################################################################

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_116: Failed asynchronous invocations go to the on-failure destination (aws_lambda_function_event_invoke_config.this), whose record holds the event and the error; a dead-letter queue would get the same events without the error (AWS: "For dead-letter queues, Lambda only sends the content of the event, without details about the response").
  #checkov:skip=CKV_AWS_117: The function reaches only regional AWS APIs (S3, SQS, KMS, X-Ray, Logs) and no private resource; a VPC would add NAT or five interface endpoints and no protection.
  #checkov:skip=CKV_AWS_272: The package is built reproducibly from the repository (harness/package.py) and deployed from a local zip by Terraform; code signing needs an AWS Signer profile and signed S3 objects, which this deployment path does not have.
  function_name    = var.function_name
  description      = var.description
  role             = aws_iam_role.this.arn
  filename         = var.zip_path
  source_code_hash = filebase64sha256(var.zip_path)
  handler          = var.handler
  runtime          = var.runtime
  architectures    = [var.architecture]
  memory_size      = var.memory_mb
  timeout          = var.timeout_seconds
  kms_key_arn      = var.kms_key_arn

  reserved_concurrent_executions = var.reserved_concurrent_executions == null ? -1 : var.reserved_concurrent_executions

  environment {
    variables = var.environment
  }

  tracing_config {
    mode = var.tracing_mode
  }

  logging_config {
    log_format            = "JSON"
    log_group             = aws_cloudwatch_log_group.this.name
    application_log_level = var.application_log_level
    system_log_level      = var.system_log_level
  }

  depends_on = [
    aws_iam_role_policy.logs,
    aws_iam_role_policy.tracing,
    aws_iam_role_policy.this,
  ]
}

resource "aws_lambda_function_event_invoke_config" "this" {
  function_name                = aws_lambda_function.this.function_name
  maximum_retry_attempts       = var.maximum_retry_attempts
  maximum_event_age_in_seconds = var.maximum_event_age_seconds

  destination_config {
    on_failure {
      destination = var.on_failure_destination_arn
    }
  }

  # Lambda checks that the role may send to the destination when the configuration is made.
  depends_on = [aws_iam_role_policy.async_failure]

  lifecycle {
    # Lambda deletes it with the function, and a plan that re-creates the function would not
    # create it again: made again whenever the function is. The function's ARN is unknown in a
    # plan only when the function is created (code and configuration are updated in place).
    replace_triggered_by = [aws_lambda_function.this.arn]
  }
}

resource "aws_lambda_function_recursion_config" "this" {
  function_name  = aws_lambda_function.this.function_name
  recursive_loop = var.recursive_loop

  # One change to the function at a time.
  depends_on = [aws_lambda_function_event_invoke_config.this]

  lifecycle {
    # A function created anew has Lambda's default (Terminate), whatever this one said: as above.
    replace_triggered_by = [aws_lambda_function.this.arn]
  }
}
