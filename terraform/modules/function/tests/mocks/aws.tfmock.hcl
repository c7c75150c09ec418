# Defaults for the mocked hashicorp/aws provider of the function module's suites.
#
# The mocked provider still validates configuration with the real schema, so computed values that
# other resources take as ARNs (the role's, the function's, the log group's, the example's queue)
# must look like ARNs; the random strings a mock makes up by default are rejected. There is one
# resource of each of these types, so a static default is exact.

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
    id  = "pipesum-test"
    arn = "arn:aws:iam::123456789012:role/pipesum-test"
  }
}

mock_resource "aws_lambda_function" {
  defaults = {
    arn           = "arn:aws:lambda:us-east-1:123456789012:function:pipesum-test"
    qualified_arn = "arn:aws:lambda:us-east-1:123456789012:function:pipesum-test:$LATEST"
    invoke_arn    = "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:pipesum-test/invocations"
    version       = "$LATEST"
  }
}

mock_resource "aws_cloudwatch_log_group" {
  defaults = {
    arn = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/pipesum-test"
  }
}

mock_resource "aws_sqs_queue" {
  defaults = {
    arn = "arn:aws:sqs:us-east-1:123456789012:function-example-failures"
    id  = "https://sqs.us-east-1.amazonaws.com/123456789012/function-example-failures"
    url = "https://sqs.us-east-1.amazonaws.com/123456789012/function-example-failures"
  }
}
