output "state_bucket_name" {
  description = "Bucket holding the Terraform state of every environment."
  value       = aws_s3_bucket.this.id
}

output "state_bucket_arn" {
  description = "ARN of the state bucket."
  value       = aws_s3_bucket.this.arn
}

output "state_kms_key_arn" {
  description = "ARN of the customer managed key encrypting the state; the backend's kms_key_id."
  value       = aws_kms_key.this.arn
}

output "state_keys" {
  description = "State object key of each environment; the S3 backend locks it with `<key>.tflock`."
  value       = local.state_keys
}

output "backend_config" {
  description = "Content of `terraform/envs/<environment>.s3.tfbackend` for each environment: `terraform output -json backend_config | jq -r .<environment>` into that file, and commit it."
  value = {
    for env, key in local.state_keys : env => <<-EOT
      # Backend of the ${env} environment, written by terraform/bootstrap (output backend_config):
      #   terraform init -backend-config=envs/${env}.s3.tfbackend
      bucket       = "${aws_s3_bucket.this.id}"
      key          = "${key}"
      region       = "${var.region}"
      encrypt      = true
      kms_key_id   = "${aws_kms_key.this.arn}"
      use_lockfile = true
    EOT
  }
}

output "bootstrap_backend_config" {
  description = "A backend file for moving this root's own state into the bucket (docs/deploy.md). The GitHub roles cannot read it."
  value       = <<-EOT
    bucket       = "${aws_s3_bucket.this.id}"
    key          = "${var.project}/bootstrap/terraform.tfstate"
    region       = "${var.region}"
    encrypt      = true
    kms_key_id   = "${aws_kms_key.this.arn}"
    use_lockfile = true
  EOT
}

output "github_oidc_provider_arn" {
  description = "ARN of the account's GitHub Actions OIDC provider."
  value       = local.github_oidc_provider_arn
}

output "github_plan_role_arn" {
  description = "Role for `terraform plan` on pull requests: the repository variable AWS_PLAN_ROLE_ARN."
  value       = aws_iam_role.github_plan.arn
}

output "github_apply_role_arn" {
  description = "Role for `terraform apply` in the production environment: the repository variable AWS_APPLY_ROLE_ARN."
  value       = aws_iam_role.github_apply.arn
}

output "stack_role_boundary_arn" {
  description = "ARN of the permissions boundary every role the apply role creates must carry: the main root's function_permissions_boundary_name is its name."
  value       = aws_iam_policy.stack_role_boundary.arn
}
