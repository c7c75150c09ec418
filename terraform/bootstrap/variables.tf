################################################################################
# Naming and placement
################################################################################

variable "project" {
  description = "Project name: the prefix of the stack's resource names, which the GitHub roles are scoped to, and of the state keys."
  type        = string
  default     = "pipesum"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,14}[a-z0-9]$", var.project))
    error_message = "project must be 3-16 characters of lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen."
  }
}

variable "region" {
  description = "AWS region of the state bucket, and of the stacks the GitHub roles may deploy."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must look like an AWS region name, for example us-east-1."
  }
}

variable "tags" {
  description = "Extra tags for every resource of this root, beside Project, ManagedBy and Component."
  type        = map(string)
  default     = {}
}

################################################################################
# State bucket
################################################################################

variable "state_bucket_name" {
  description = "Name of the remote-state bucket. Null: `<project>-tfstate-<account id>-<region>`, unique without a random suffix."
  type        = string
  default     = null

  validation {
    condition = var.state_bucket_name == null || (
      can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.state_bucket_name)) &&
      !can(regex("\\.\\.|^\\d+\\.\\d+\\.\\d+\\.\\d+$|^xn--|-s3alias$|--ol-s3$", var.state_bucket_name))
    )
    error_message = "state_bucket_name must be a valid S3 bucket name: 3-63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit, not an IP address, no '..', no xn-- prefix, no -s3alias or --ol-s3 suffix."
  }
}

variable "noncurrent_version_retention_days" {
  description = "Days a state version is kept after a newer one replaces it; older versions are then deleted."
  type        = number
  default     = 90

  validation {
    condition     = var.noncurrent_version_retention_days >= 1 && floor(var.noncurrent_version_retention_days) == var.noncurrent_version_retention_days
    error_message = "noncurrent_version_retention_days must be a whole number of days, 1 or more."
  }
}

variable "kms_key_deletion_window_days" {
  description = "Waiting period before the state key is deleted once scheduled for deletion (7-30 days)."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_key_deletion_window_days >= 7 && var.kms_key_deletion_window_days <= 30 && floor(var.kms_key_deletion_window_days) == var.kms_key_deletion_window_days
    error_message = "kms_key_deletion_window_days must be a whole number between 7 and 30."
  }
}

################################################################################
# GitHub Actions
################################################################################

variable "github_repository" {
  description = "The GitHub repository, as \"owner/name\" with GitHub's casing (the OIDC sub claim is compared case-sensitively), whose workflows may assume the roles."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$", var.github_repository))
    error_message = "github_repository must be \"owner/name\", for example octo-org/pipesum: no wildcard, no URL, no trailing slash."
  }
}

variable "github_production_environment" {
  description = "GitHub environment (with required reviewers and a main-only deployment branch rule) whose jobs alone may assume the apply role."
  type        = string
  default     = "production"

  validation {
    condition     = can(regex("^[A-Za-z0-9._-]{1,255}$", var.github_production_environment))
    error_message = "github_production_environment must be a GitHub environment name: letters, digits, '.', '_' and '-', no wildcard."
  }
}

variable "environments" {
  description = "Stack environments (the main root's `environment`) whose state lives in the bucket; each gets a state key `<project>/<environment>/terraform.tfstate` and a backend file in the `backend_config` output."
  type        = list(string)
  default     = ["dev", "prod"]

  validation {
    condition     = length(var.environments) > 0 && alltrue([for env in var.environments : can(regex("^[a-z][a-z0-9-]{0,10}[a-z0-9]$", env))])
    error_message = "environments must hold at least one name of 2-12 lowercase letters, digits and hyphens (the main root's rule for environment)."
  }

  validation {
    # The GitHub roles are named <project>-github-*, the state bucket <project>-tfstate-*: an
    # environment of either name would put them inside the CI roles' <project>-<environment>-* scope.
    condition     = length(setintersection(var.environments, ["github", "tfstate"])) == 0
    error_message = "environments must not contain \"github\" or \"tfstate\": <project>-github-* and <project>-tfstate-* are this root's own resources."
  }
}

variable "ci_environments" {
  description = "The environments, among `environments`, that the GitHub roles may plan and apply: only their resources (`<project>-<environment>-*`) and their state keys."
  type        = list(string)
  default     = ["prod"]

  validation {
    condition     = length(var.ci_environments) > 0 && length(setsubtract(var.ci_environments, var.environments)) == 0
    error_message = "ci_environments must name at least one environment, each listed in environments."
  }
}

variable "create_github_oidc_provider" {
  description = "Create the account's GitHub OIDC provider. False: the account already has one (there can be only one per URL); it is looked up instead."
  type        = bool
  default     = true
}
