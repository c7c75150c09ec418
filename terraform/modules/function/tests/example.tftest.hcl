# The example (examples/complete) plans and applies against the mocked provider: a function that
# reads one bucket, with its failure queue.

mock_provider "aws" {
  source = "./tests/mocks"
}

run "example_plans" {
  command = plan

  module {
    source = "./examples/complete"
  }

  assert {
    condition = jsondecode(module.function.lambda_role_inline_policies["function"].policy).Statement == [{
      Sid      = "ReadInputs"
      Effect   = "Allow"
      Action   = "s3:GetObject"
      Resource = "arn:aws:s3:::function-example-input/*"
    }]
    error_message = "The example's function policy must allow reading its input bucket only."
  }

  assert {
    condition     = output.log_group_name == "/aws/lambda/function-example"
    error_message = "The example's function must log to its own log group."
  }
}

run "example_applies" {
  command = apply

  module {
    source = "./examples/complete"
  }

  assert {
    condition     = module.function.lambda_function_event_invoke_config.on_failure_destination == output.failure_queue_arn && module.function.lambda_function_event_invoke_config.maximum_retry_attempts == 1
    error_message = "The example's failed invocations must go, after one retry, to its failure queue."
  }

  assert {
    condition     = jsondecode(output.lambda_role_inline_policies["async-failure"].policy).Statement[0].Resource == output.failure_queue_arn
    error_message = "The example's role must be allowed to send to its failure queue."
  }

  assert {
    condition     = module.function.lambda_function_reserved_concurrent_executions == -1 && module.function.lambda_function_environment == tomap({ INPUT_BUCKET = "function-example-input" })
    error_message = "The example's function must reserve nothing (an account at the default limit could not apply it) and be told its input bucket."
  }
}
