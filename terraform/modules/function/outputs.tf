output "lambda_function_name" {
  description = "Name of the function."
  value       = aws_lambda_function.this.function_name
}

output "lambda_function_arn" {
  description = "ARN of the function."
  value       = aws_lambda_function.this.arn
}

output "lambda_role_arn" {
  description = "ARN of the function's execution role."
  value       = aws_iam_role.this.arn
}

output "log_group_name" {
  description = "Log group of the function."
  value       = aws_cloudwatch_log_group.this.name
}

# What the function is set up as, read back from the resources (not the inputs), so that callers
# and `terraform test` can check the settings took.

output "lambda_function_runtime" {
  description = "Runtime of the function."
  value       = aws_lambda_function.this.runtime
}

output "lambda_function_architectures" {
  description = "Instruction set architectures of the function."
  value       = aws_lambda_function.this.architectures
}

output "lambda_function_handler" {
  description = "Handler of the function."
  value       = aws_lambda_function.this.handler
}

output "lambda_function_environment" {
  description = "Environment variables of the function."
  value       = aws_lambda_function.this.environment[0].variables
}

output "lambda_function_source_code_hash" {
  description = "Base64-encoded SHA-256 of the deployment package the function was given."
  value       = aws_lambda_function.this.source_code_hash
}

output "lambda_function_log_group" {
  description = "Log group the function is configured to write to."
  value       = aws_lambda_function.this.logging_config[0].log_group
}

output "lambda_role_assume_role_policy" {
  description = "Trust policy (JSON) of the function's execution role."
  value       = aws_iam_role.this.assume_role_policy
}

output "lambda_role_inline_policies" {
  description = "Inline policies (JSON) of the function's execution role, by policy name, with the role each is attached to."
  value = {
    for policy in [aws_iam_role_policy.logs, aws_iam_role_policy.this] :
    policy.name => { role = policy.role, policy = policy.policy }
  }
}

output "log_group_retention_in_days" {
  description = "Retention of the function's log group, in days."
  value       = aws_cloudwatch_log_group.this.retention_in_days
}
