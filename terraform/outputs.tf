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

output "kms_key_arn" {
  description = "ARN of the customer managed KMS key that encrypts the source and destination buckets, the failure queues, the alarm topic, the function's log group and environment."
  value       = aws_kms_key.this.arn
}

output "event_dlq_url" {
  description = "URL of the queue EventBridge puts an Object Created event into when it could not deliver it to the function (retries exhausted or too old)."
  value       = aws_sqs_queue.event_dlq.id
}

output "event_dlq_arn" {
  description = "ARN of the EventBridge rule target's dead-letter queue."
  value       = aws_sqs_queue.event_dlq.arn
}

output "function_failure_queue_url" {
  description = "URL of the queue Lambda sends a record (event and error) to for every asynchronous invocation that failed all attempts or expired."
  value       = aws_sqs_queue.function_failure.id
}

output "function_failure_queue_arn" {
  description = "ARN of the function's on-failure destination queue."
  value       = aws_sqs_queue.function_failure.arn
}

output "alarm_topic_arn" {
  description = "ARN of the SNS topic every alarm notifies (subscribe to it, or set alarm_email)."
  value       = aws_sns_topic.this.arn
}

output "alarm_names" {
  description = "Names of the CloudWatch alarms, by what they watch."
  value       = { for key, alarm in aws_cloudwatch_metric_alarm.this : key => alarm.alarm_name }
}

output "access_log_bucket_name" {
  description = "Bucket the S3 server access logs of the source and destination buckets go to; null when enable_access_logging is false."
  value       = one(module.access_log_bucket[*].s3_bucket_id)
}
