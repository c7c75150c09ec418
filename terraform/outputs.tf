output "source_bucket_name" {
  description = "Bucket the input files are dropped into."
  value       = module.source_bucket.s3_bucket_id
}

output "destination_bucket_name" {
  description = "Bucket the outputs (and rejection reports) are written to, under the same key."
  value       = module.destination_bucket.s3_bucket_id
}

output "lambda_function_name" {
  description = "Name of the function that sums the second row."
  value       = module.function.lambda_function_name
}

output "lambda_function_arn" {
  description = "ARN of the function."
  value       = module.function.lambda_function_arn
}

output "lambda_log_group_name" {
  description = "CloudWatch Logs group of the function."
  value       = module.function.log_group_name
}

output "event_rule_name" {
  description = "EventBridge rule that routes Object Created events of the source bucket to the function."
  value       = aws_cloudwatch_event_rule.object_created.name
}

output "region" {
  description = "Region the stack is deployed in."
  value       = var.region
}
