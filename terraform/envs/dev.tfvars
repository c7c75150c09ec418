# The dev environment: terraform plan -var-file=envs/dev.tfvars (after init with envs/dev.s3.tfbackend).
# Deployed by hand, with your own credentials; disposable.
environment = "dev"
region      = "us-east-1"

# Short retention, and buckets that `terraform destroy` may delete with their objects.
log_retention_days    = 14
force_destroy_buckets = true

# Unreserved: a new account's limit of 10 concurrent executions leaves nothing to reserve.
lambda_reserved_concurrency = -1
