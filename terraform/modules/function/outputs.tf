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

output "lambda_function_logging_config" {
  description = "Logging configuration of the function: format, application and system log levels."
  value = {
    log_format            = aws_lambda_function.this.logging_config[0].log_format
    application_log_level = aws_lambda_function.this.logging_config[0].application_log_level
    system_log_level      = aws_lambda_function.this.logging_config[0].system_log_level
  }
}

output "lambda_function_tracing_mode" {
  description = "X-Ray tracing mode of the function."
  value       = aws_lambda_function.this.tracing_config[0].mode
}

output "lambda_function_kms_key_arn" {
  description = "KMS key that encrypts the function's environment variables (null: the AWS managed key)."
  value       = aws_lambda_function.this.kms_key_arn
}

output "lambda_function_memory_size" {
  description = "Memory of the function, in MB."
  value       = aws_lambda_function.this.memory_size
}

output "lambda_function_timeout" {
  description = "Timeout of one invocation, in seconds."
  value       = aws_lambda_function.this.timeout
}

output "lambda_function_reserved_concurrent_executions" {
  description = "Reserved concurrent executions of the function (-1: unreserved)."
  value       = aws_lambda_function.this.reserved_concurrent_executions
}

output "lambda_function_dead_letter_config" {
  description = "The function's own dead-letter queue settings: none (failed events go to the on-failure destination)."
  value       = aws_lambda_function.this.dead_letter_config
}

output "lambda_function_event_invoke_config" {
  description = "Asynchronous invocation settings: the function they apply to, retries, maximum event age and the on-failure destination."
  value = {
    function_name                = aws_lambda_function_event_invoke_config.this.function_name
    qualifier                    = aws_lambda_function_event_invoke_config.this.qualifier
    maximum_retry_attempts       = aws_lambda_function_event_invoke_config.this.maximum_retry_attempts
    maximum_event_age_in_seconds = aws_lambda_function_event_invoke_config.this.maximum_event_age_in_seconds
    on_failure_destination       = aws_lambda_function_event_invoke_config.this.destination_config[0].on_failure[0].destination
    on_success_destinations      = flatten([for config in aws_lambda_function_event_invoke_config.this.destination_config : [for on_success in config.on_success : on_success.destination]])
  }
}

output "lambda_function_recursion_config" {
  description = "Recursive loop detection of the function: the function it applies to and what Lambda does on a loop."
  value = {
    function_name  = aws_lambda_function_recursion_config.this.function_name
    recursive_loop = aws_lambda_function_recursion_config.this.recursive_loop
  }
}

output "lambda_role_assume_role_policy" {
  description = "Trust policy (JSON) of the function's execution role."
  value       = aws_iam_role.this.assume_role_policy
}

output "lambda_role_inline_policies" {
  description = "Inline policies (JSON) of the function's execution role, by policy name, with the role each is attached to."
  value = {
    for policy in concat([aws_iam_role_policy.logs, aws_iam_role_policy.async_failure, aws_iam_role_policy.this], aws_iam_role_policy.tracing) :
    policy.name => { role = policy.role, policy = policy.policy }
  }
}

output "log_group_retention_in_days" {
  description = "Retention of the function's log group, in days."
  value       = aws_cloudwatch_log_group.this.retention_in_days
}

output "log_group_arn" {
  description = "ARN of the function's log group."
  value       = aws_cloudwatch_log_group.this.arn
}

output "log_group_kms_key_id" {
  description = "KMS key that encrypts the function's log group (null: CloudWatch Logs' own encryption)."
  value       = aws_cloudwatch_log_group.this.kms_key_id
}

output "lambda_role_permissions_boundary" {
  description = "ARN of the execution role's permissions boundary, or null."
  value       = aws_iam_role.this.permissions_boundary
}
