# Defaults for the mocked hashicorp/aws provider shared by every suite under tests/.
#
# The mocked provider still validates configuration with the real schema, so computed values that
# other resources take as ARNs (the role's, the function's, the rule's) must look like ARNs; the
# random strings a mock makes up by default are rejected. There is one resource of each of these
# types, so a static default is exact. The buckets are two of one type: each suite overrides them
# by address.

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
