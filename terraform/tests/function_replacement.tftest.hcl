# A function created anew (`terraform apply -replace`, or a change that forces a new function)
# gets the rule's permission to invoke it granted again: Lambda deletes a function's resource
# policy with it. The function or the rule's target updated in place leave the permission as it is.
#
# What was granted again is told by the permission's id: each run overrides it with a value of its
# own, which only a permission that run creates takes; one left as it was keeps the id it had.

mock_provider "aws" {
  source = "./tests/mocks"
}

run "deployed" {
  command = apply

  override_resource {
    target = aws_lambda_permission.eventbridge
    values = { id = "granted-with-the-function" }
  }
}

run "function_replaced_grants_the_rule_again" {
  command = apply

  plan_options {
    replace = [module.function.aws_lambda_function.this]
  }

  override_resource {
    target = aws_lambda_permission.eventbridge
    values = { id = "granted-to-the-new-function" }
  }

  assert {
    condition     = aws_lambda_permission.eventbridge.id == "granted-to-the-new-function"
    error_message = "A function created anew must get the rule's permission granted again (Lambda deletes it with the function); it was left as it was, id ${aws_lambda_permission.eventbridge.id}."
  }
}

run "function_and_target_updated_in_place_keep_the_permission" {
  command = apply

  variables {
    lambda_memory_mb             = 512
    event_maximum_retry_attempts = 3
  }

  override_resource {
    target = aws_lambda_permission.eventbridge
    values = { id = "granted-by-an-update" }
  }

  assert {
    condition     = module.function.lambda_function_memory_size == 512 && aws_cloudwatch_event_target.function.retry_policy[0].maximum_retry_attempts == 3
    error_message = "The run must update the function and the rule's target."
  }

  assert {
    condition     = aws_lambda_permission.eventbridge.id != "granted-by-an-update"
    error_message = "The function or the rule's target updated in place must leave the permission as it is; it was granted again."
  }
}
