# A function created anew (`terraform apply -replace`, or a change that forces a new function)
# gets its asynchronous invocation settings made again: Lambda deletes them with the function.
# Its code updated in place (UpdateFunctionCode, as every deploy of a new build) leaves them as
# they are.
#
# What was made again is told by the settings' id: each run overrides it with a value of its own,
# which only a resource that run creates takes; one left as it was keeps the id it had.
# (The recursion settings have no computed attribute to tell them by: the integration test
# tests/integration/test_function_replacement.py reads that plan.)

mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  function_name              = "pipesum-test"
  zip_path                   = "../../../build/function.zip"
  handler                    = "pipesum.handler.handle"
  on_failure_destination_arn = "arn:aws:sqs:us-east-1:123456789012:pipesum-test-failures"
  policy_json                = jsonencode({ Version = "2012-10-17", Statement = [] })
}

run "deployed" {
  command = apply

  override_resource {
    target = aws_lambda_function_event_invoke_config.this
    values = { id = "made-with-the-function" }
  }
}

run "function_replaced_makes_its_async_settings_again" {
  command = apply

  plan_options {
    replace = [aws_lambda_function.this]
  }

  override_resource {
    target = aws_lambda_function_event_invoke_config.this
    values = { id = "made-with-the-new-function" }
  }

  assert {
    condition     = aws_lambda_function_event_invoke_config.this.id == "made-with-the-new-function"
    error_message = "A function created anew must get its event invoke config made again (Lambda deletes it with the function); it was left as it was, id ${aws_lambda_function_event_invoke_config.this.id}."
  }
}

run "function_code_updated_in_place_keeps_its_async_settings" {
  command = apply

  variables {
    # Another package: any other file has another hash (the mocked provider never opens it).
    zip_path = "./versions.tf"
  }

  override_resource {
    target = aws_lambda_function_event_invoke_config.this
    values = { id = "made-with-the-code-update" }
  }

  assert {
    condition     = output.lambda_function_source_code_hash == filebase64sha256("./versions.tf")
    error_message = "The run must update the function's code."
  }

  assert {
    condition     = aws_lambda_function_event_invoke_config.this.id != "made-with-the-code-update"
    error_message = "Code updated in place must leave the event invoke config as it is; it was made again."
  }
}
