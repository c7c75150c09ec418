# The function's execution role: only Lambda of this account may assume it, and its inline
# policies allow exactly its own log streams, the X-Ray writes (with active tracing only), sending
# failure records to the on-failure destination, and policy_json.
#
# The policies are jsonencode documents (not aws_iam_policy_document, whose JSON a mock makes up),
# so each is decoded and compared whole: a missing, extra or widened statement fails.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  function_name              = "pipesum-test"
  zip_path                   = "../../../build/function.zip"
  handler                    = "pipesum.handler.handle"
  on_failure_destination_arn = "arn:aws:sqs:us-east-1:123456789012:pipesum-test-failures"
  policy_json = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Sid = "ReadInputs", Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::inputs/*" }]
  })
}

run "only_lambda_of_this_account_may_assume_the_role" {
  command = apply

  assert {
    condition = jsondecode(output.lambda_role_assume_role_policy) == {
      Version = "2012-10-17"
      Statement = [{
        Effect    = "Allow"
        Action    = "sts:AssumeRole"
        Principal = { Service = "lambda.amazonaws.com" }
        Condition = { StringEquals = { "aws:SourceAccount" = "123456789012" } }
      }]
    }
    error_message = "The trust policy must be one statement: lambda.amazonaws.com may sts:AssumeRole for this account only. It is ${output.lambda_role_assume_role_policy}"
  }

  assert {
    condition     = aws_iam_role.this.name == "pipesum-test" && output.lambda_role_arn == "arn:aws:iam::123456789012:role/pipesum-test"
    error_message = "The role must be named like the function."
  }
}

run "role_has_exactly_the_logs_tracing_async_failure_and_function_policies" {
  command = apply

  assert {
    condition     = sort(keys(output.lambda_role_inline_policies)) == tolist(["async-failure", "function", "logs", "tracing"])
    error_message = "With active tracing the role must have exactly four inline policies: logs, tracing, async-failure and function."
  }

  assert {
    condition     = alltrue([for attachment in values(output.lambda_role_inline_policies) : attachment.role == "pipesum-test"])
    error_message = "Every inline policy must be attached to the function's own role."
  }
}

run "logs_policy_allows_only_the_functions_own_log_streams" {
  command = apply

  assert {
    condition = jsondecode(output.lambda_role_inline_policies["logs"].policy) == {
      Version = "2012-10-17"
      Statement = [{
        Sid      = "WriteOwnLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/pipesum-test:log-stream:*"
      }]
    }
    error_message = "The logs policy must allow CreateLogStream+PutLogEvents on the streams of /aws/lambda/pipesum-test in this account and region only. It is ${output.lambda_role_inline_policies["logs"].policy}"
  }
}

run "tracing_policy_allows_only_the_two_xray_writes" {
  command = apply

  assert {
    condition = jsondecode(output.lambda_role_inline_policies["tracing"].policy) == {
      Version = "2012-10-17"
      Statement = [{
        Sid      = "WriteTraces"
        Effect   = "Allow"
        Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
        Resource = "*"
      }]
    }
    error_message = "The tracing policy must allow xray:PutTraceSegments+PutTelemetryRecords only (on \"*\": X-Ray offers nothing narrower). It is ${output.lambda_role_inline_policies["tracing"].policy}"
  }
}

# Moved from terraform/tests/iam.tftest.hcl: it is about this module alone.
run "tracing_policy_only_with_active_tracing" {
  command = plan

  variables {
    tracing_mode = "PassThrough"
  }

  assert {
    condition     = length(aws_iam_role_policy.tracing) == 0
    error_message = "Without active tracing, the role must not be allowed the X-Ray writes."
  }
}

run "async_failure_policy_sends_only_to_the_on_failure_destination" {
  command = apply

  assert {
    condition = jsondecode(output.lambda_role_inline_policies["async-failure"].policy) == {
      Version = "2012-10-17"
      Statement = [{
        Sid      = "RecordFailedInvocations"
        Effect   = "Allow"
        Action   = "sqs:SendMessage"
        Resource = "arn:aws:sqs:us-east-1:123456789012:pipesum-test-failures"
      }]
    }
    error_message = "The async-failure policy must allow sqs:SendMessage to on_failure_destination_arn only. It is ${output.lambda_role_inline_policies["async-failure"].policy}"
  }
}

run "function_policy_is_policy_json_as_given" {
  command = apply

  assert {
    condition     = output.lambda_role_inline_policies["function"].policy == var.policy_json
    error_message = "The function policy must be policy_json, unchanged."
  }
}

run "role_has_no_permissions_boundary_by_default" {
  command = apply

  assert {
    condition     = output.lambda_role_permissions_boundary == null
    error_message = "Without permissions_boundary_arn the role must have no boundary."
  }
}

run "role_carries_the_named_permissions_boundary" {
  command = apply

  variables {
    permissions_boundary_arn = "arn:aws:iam::123456789012:policy/stack-role-boundary"
  }

  assert {
    condition     = output.lambda_role_permissions_boundary == "arn:aws:iam::123456789012:policy/stack-role-boundary"
    error_message = "The role must carry permissions_boundary_arn."
  }
}
