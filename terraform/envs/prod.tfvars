# The prod environment: terraform plan -var-file=envs/prod.tfvars (after init with envs/prod.s3.tfbackend).
# Deployed by .github/workflows/deploy.yml from main, behind the production environment's reviewers.
environment = "prod"
region      = "us-east-1"

# A year of function logs, and buckets that are never deleted with objects in them.
log_retention_days    = 365
force_destroy_buckets = false
