# The prod environment: terraform plan -var-file=envs/prod.tfvars (after init with envs/prod.s3.tfbackend).
# Deployed by .github/workflows/deploy.yml from main, behind the production environment's reviewers.
environment = "prod"
region      = "us-east-1"

# A year of function logs, and buckets that are never deleted with objects in them.
log_retention_days    = 365
force_destroy_buckets = false

# Unreserved: Lambda keeps 100 executions unreserved, so a reservation fails on an account whose
# concurrency limit is under 100 + the reserve (new accounts: 10). Reserve only after raising the
# quota (docs/deploy.md, first apply).
lambda_reserved_concurrency = -1

# The deploy role (terraform/bootstrap) creates roles only with this boundary.
function_permissions_boundary_name = "pipesum-stack-role-boundary"

# CI's deploy roles (terraform/bootstrap) hold the stack's key through its key policy, not through
# tags: a tag is no claim to a key (decision 16).
key_administrator_role_name = "pipesum-github-apply"
key_reader_role_names       = ["pipesum-github-plan"]
