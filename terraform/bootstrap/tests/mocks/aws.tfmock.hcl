# Defaults for the mocked hashicorp/aws provider shared by every suite under tests/.
#
# The suites plan (the state bucket and key carry prevent_destroy, which a test's teardown would
# trip over), so the provider block sets override_during = plan: these values stand in for the
# computed attributes at plan time. There is one resource of each of these types, so a static
# default is exact; the two roles are told apart by their own names.

mock_data "aws_caller_identity" {
  defaults = {
    account_id = "123456789012"
    arn        = "arn:aws:iam::123456789012:user/bootstrap-test"
    user_id    = "AIDAEXAMPLEEXAMPLE"
  }
}

mock_data "aws_partition" {
  defaults = {
    partition          = "aws"
    dns_suffix         = "amazonaws.com"
    reverse_dns_prefix = "com.amazonaws"
  }
}

mock_data "aws_iam_openid_connect_provider" {
  defaults = {
    arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
  }
}

mock_resource "aws_iam_openid_connect_provider" {
  defaults = {
    arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
  }
}

mock_resource "aws_kms_key" {
  defaults = {
    arn    = "arn:aws:kms:us-east-1:123456789012:key/0b1c2d3e-4f50-4172-8394-a5b6c7d8e9f0"
    key_id = "0b1c2d3e-4f50-4172-8394-a5b6c7d8e9f0"
  }
}

mock_resource "aws_s3_bucket" {
  defaults = {
    id  = "pipesum-tfstate-123456789012-us-east-1"
    arn = "arn:aws:s3:::pipesum-tfstate-123456789012-us-east-1"
  }
}

