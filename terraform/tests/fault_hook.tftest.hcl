# The reliability tests' fault hook (PIPESUM_FAULT) can never be deployed: the root never sets it,
# and the function module refuses it (modules/function/tests/validation.tftest.hcl).

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
