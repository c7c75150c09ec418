# Defaults for the mocked hashicorp/aws provider shared by every suite under tests/.
#
# The mocked provider still validates configuration with the real schema, so computed values that
# other resources take as ARNs (the role's, the function's, the rule's, the key's, the topic's, the
# queues') must look like ARNs; the random strings a mock makes up by default are rejected. There
# is one resource of each of these types, so a static default is exact. The queues and the buckets
# are several of one type: they are overridden by address below with what AWS would return (a
# bucket's id is its name, its arn arn:aws:s3:::name), so each has its own and a test can tell
# them apart.

mock_data "aws_caller_identity" {
  defaults = {
    account_id = "123456789012"
    arn        = "arn:aws:iam::123456789012:user/terraform-test"
    user_id    = "AIDAEXAMPLEEXAMPLE"
  }
}

mock_data "aws_region" {
  defaults = {
    name        = "us-east-1"
    description = "US East (N. Virginia)"
    endpoint    = "ec2.us-east-1.amazonaws.com"
  }
}

mock_data "aws_partition" {
  defaults = {
    partition          = "aws"
    dns_suffix         = "amazonaws.com"
    reverse_dns_prefix = "com.amazonaws"
  }
}

mock_resource "aws_iam_role" {
  defaults = {
    id  = "pipesum-dev-sum"
    arn = "arn:aws:iam::123456789012:role/pipesum-dev-sum"
  }
}

mock_resource "aws_lambda_function" {
  defaults = {
    arn           = "arn:aws:lambda:us-east-1:123456789012:function:pipesum-dev-sum"
    qualified_arn = "arn:aws:lambda:us-east-1:123456789012:function:pipesum-dev-sum:$LATEST"
    invoke_arn    = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:pipesum-dev-sum/invocations"
    version       = "$LATEST"
  }
}

mock_resource "aws_cloudwatch_event_rule" {
  defaults = {
    arn = "arn:aws:events:us-east-1:123456789012:rule/pipesum-dev-object-created"
  }
}

mock_resource "aws_cloudwatch_log_group" {
  defaults = {
    arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/pipesum-dev-sum"
  }
}

mock_resource "aws_kms_key" {
  defaults = {
    arn    = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    key_id = "1234abcd-12ab-34cd-56ef-1234567890ab"
  }
}

mock_resource "aws_sns_topic" {
  defaults = {
    arn = "arn:aws:sns:us-east-1:123456789012:pipesum-dev-alarms"
  }
}

override_resource {
  target = aws_sqs_queue.event_dlq
  values = {
    arn = "arn:aws:sqs:us-east-1:123456789012:pipesum-dev-event-dlq"
    id  = "https://sqs.us-east-1.amazonaws.com/123456789012/pipesum-dev-event-dlq"
    url = "https://sqs.us-east-1.amazonaws.com/123456789012/pipesum-dev-event-dlq"
  }
}

override_resource {
  target = aws_sqs_queue.function_failure
  values = {
    arn = "arn:aws:sqs:us-east-1:123456789012:pipesum-dev-function-failures"
    id  = "https://sqs.us-east-1.amazonaws.com/123456789012/pipesum-dev-function-failures"
    url = "https://sqs.us-east-1.amazonaws.com/123456789012/pipesum-dev-function-failures"
  }
}

override_resource {
  target = module.source_bucket.aws_s3_bucket.this
  values = {
    id  = "pipesum-dev-source-123456789012-us-east-1"
    arn = "arn:aws:s3:::pipesum-dev-source-123456789012-us-east-1"
  }
}

override_resource {
  target = module.destination_bucket.aws_s3_bucket.this
  values = {
    id  = "pipesum-dev-destination-123456789012-us-east-1"
    arn = "arn:aws:s3:::pipesum-dev-destination-123456789012-us-east-1"
  }
}

override_resource {
  target = module.access_log_bucket[0].aws_s3_bucket.this
  values = {
    id  = "pipesum-dev-logs-123456789012-us-east-1"
    arn = "arn:aws:s3:::pipesum-dev-logs-123456789012-us-east-1"
  }
}
