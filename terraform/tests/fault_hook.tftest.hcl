# The reliability tests' fault hook (PIPESUM_FAULT) can never be deployed: the function module
# refuses it, and the root never sets it.

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  lambda_zip_path = "../build/function.zip"
}

run "root_environment_has_no_fault_hook" {
  command = plan

  assert {
    condition     = !contains(keys(module.function.lambda_function_environment), "PIPESUM_FAULT")
    error_message = "The deployed environment must not hold PIPESUM_FAULT."
  }
}

run "module_refuses_the_fault_hook" {
  command = plan

  module {
    source = "./modules/function"
  }

  variables {
    function_name              = "pipesum-test"
    zip_path                   = "../build/function.zip"
    handler                    = "pipesum.handler.handle"
    on_failure_destination_arn = "arn:aws:sqs:us-east-1:123456789012:failures"
    policy_json                = "{}"
    environment                = { PIPESUM_FAULT = "kill@put" }
  }

  expect_failures = [var.environment]
}
