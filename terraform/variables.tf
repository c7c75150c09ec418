################################################################################
# Naming and placement
################################################################################

variable "project" {
  description = "Project name; the first part of every resource name."
  type        = string
  default     = "pipesum"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,14}[a-z0-9]$", var.project))
    error_message = "project must be 3-16 characters of lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen."
  }
}

variable "environment" {
  description = "Deployment environment (for example dev, prod, or a unique test prefix); the second part of every resource name."
  type        = string
  default     = "dev"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,10}[a-z0-9]$", var.environment))
    error_message = "environment must be 2-12 characters of lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen."
  }
}

variable "region" {
  description = "AWS region to deploy into."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must look like an AWS region name, for example us-east-1."
  }
}

variable "repository" {
  description = "Where the code lives; recorded in the Repository tag of every resource."
  type        = string
  default     = "pipesum"
}

variable "git_commit" {
  description = "Commit the deployment was made from; recorded in the GitCommit tag of every resource. The Makefile passes it in."
  type        = string
  default     = "unknown"
}

################################################################################
# Function
################################################################################

variable "lambda_zip_path" {
  description = "Path of the function's deployment package, built reproducibly by `make build` (harness/package.py)."
  type        = string
  default     = "../build/function.zip"

  validation {
    condition     = endswith(var.lambda_zip_path, ".zip")
    error_message = "lambda_zip_path must name a .zip file."
  }
}

variable "lambda_memory_mb" {
  description = "Memory of the function, in MB."
  type        = number
  default     = 256

  validation {
    condition     = var.lambda_memory_mb >= 128 && var.lambda_memory_mb <= 10240
    error_message = "lambda_memory_mb must be between 128 and 10240."
  }
}

variable "lambda_timeout_seconds" {
  description = "Timeout of one invocation, in seconds. The 3 s default of AWS is too short for a cold start on the emulator."
  type        = number
  default     = 30

  validation {
    condition     = var.lambda_timeout_seconds >= 1 && var.lambda_timeout_seconds <= 900
    error_message = "lambda_timeout_seconds must be between 1 and 900."
  }
}

variable "max_input_bytes" {
  description = "Largest input object the function accepts; larger ones are rejected with TOO_LARGE."
  type        = number
  default     = 104857600

  validation {
    condition     = var.max_input_bytes >= 1 && floor(var.max_input_bytes) == var.max_input_bytes
    error_message = "max_input_bytes must be a positive whole number."
  }
}

variable "log_retention_days" {
  description = "Retention of the function's log group, in days."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of the values CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ...)."
  }
}

################################################################################
# Lifecycle
################################################################################

variable "force_destroy_buckets" {
  description = "Let `terraform destroy` delete the buckets with their objects. For throwaway test stacks only."
  type        = bool
  default     = false
}
