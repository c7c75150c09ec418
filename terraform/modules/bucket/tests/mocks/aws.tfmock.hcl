# Defaults for the mocked hashicorp/aws provider of the bucket module's suites.
#
# The mocked provider still validates configuration with the real schema, so computed values that
# are taken as ARNs must look like ARNs. The bucket under test is overridden with what AWS would
# return (a bucket's id is its name, its arn arn:aws:s3:::name); the example's two buckets are
# overridden in the runs that use it.

mock_data "aws_caller_identity" {
  defaults = {
    account_id = "123456789012"
    arn        = "arn:aws:iam::123456789012:user/terraform-test"
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

mock_resource "aws_kms_key" {
  defaults = {
    arn    = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    key_id = "1234abcd-12ab-34cd-56ef-1234567890ab"
  }
}

override_resource {
  target = aws_s3_bucket.this
  values = {
    id  = "pipesum-test-bucket"
    arn = "arn:aws:s3:::pipesum-test-bucket"
  }
}
