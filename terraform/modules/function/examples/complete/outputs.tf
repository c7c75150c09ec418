output "lambda_function_arn" {
  description = "ARN of the function."
  value       = module.function.lambda_function_arn
}

output "lambda_role_arn" {
  description = "ARN of the function's execution role."
  value       = module.function.lambda_role_arn
}

output "lambda_role_inline_policies" {
  description = "Inline policies (JSON) of the function's execution role, by policy name."
  value       = module.function.lambda_role_inline_policies
}

output "log_group_name" {
  description = "Log group of the function."
  value       = module.function.log_group_name
}

output "failure_queue_arn" {
  description = "ARN of the queue that receives a record of each failed asynchronous invocation."
  value       = aws_sqs_queue.failures.arn
}
