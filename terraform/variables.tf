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

  validation {
    # The longest default bucket name, <project>-<environment>-destination-<account>-<region>
    # (an account id is 12 digits), must fit S3's 63 characters; so must the log bucket's.
    condition     = length("${var.project}-${var.environment}-destination-123456789012-${var.region}") <= 63 || (var.destination_bucket_name != null && var.source_bucket_name != null && length("${var.project}-${var.environment}-logs-123456789012-${var.region}") <= 63)
    error_message = "project, environment and region together make a default bucket name longer than S3's 63 characters: <project>-<environment>-destination-<12-digit account>-<region> leaves 36 characters for the three. Shorten the project or the environment, or set source_bucket_name and destination_bucket_name."
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
  description = "The last commit that changed what is deployed (function/ or terraform/: `python -m harness.commits --deployed`), recorded in the GitCommit tag of every resource; a commit that changes neither plans no change. The Makefile and CI pass it in."
  type        = string
  default     = "unknown"
}

variable "source_bucket_name" {
  description = "Name of the source bucket. null (the default): <project>-<environment>-source-<account>-<region>."
  type        = string
  default     = null

  validation {
    condition     = var.source_bucket_name == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.source_bucket_name))
    error_message = "source_bucket_name must be null or 3-63 characters of lowercase letters, digits, dots and hyphens."
  }
}

variable "destination_bucket_name" {
  description = "Name of the destination bucket; never the source bucket's. null (the default): <project>-<environment>-destination-<account>-<region>."
  type        = string
  default     = null

  validation {
    condition     = var.destination_bucket_name == null || can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.destination_bucket_name))
    error_message = "destination_bucket_name must be null or 3-63 characters of lowercase letters, digits, dots and hyphens."
  }
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

variable "lambda_reserved_concurrency" {
  description = "Concurrent executions reserved for the function, which are also the most it may run at once. -1 or null (the default): unreserved, the account's shared pool. Lambda refuses a reservation that leaves fewer than 100 executions unreserved, so reserving N needs an account concurrency limit of at least N + 100 (a new account's is often 10: nothing can be reserved there). 0 stops the function."
  type        = number
  default     = -1

  validation {
    condition     = var.lambda_reserved_concurrency == null || try(var.lambda_reserved_concurrency >= -1 && floor(var.lambda_reserved_concurrency) == var.lambda_reserved_concurrency, false)
    error_message = "lambda_reserved_concurrency must be null, -1 (unreserved) or a whole number, 0 or more."
  }
}

variable "function_permissions_boundary_name" {
  description = "Name of the managed policy (in this account) set as the function role's permissions boundary. The deploy role of terraform/bootstrap may only create roles with its stack_role_boundary_arn, so an apply from CI needs this (envs/prod.tfvars). null (the default): none."
  type        = string
  default     = null

  validation {
    condition     = var.function_permissions_boundary_name == null || can(regex("^[A-Za-z0-9+=,.@_-]{1,128}$", var.function_permissions_boundary_name))
    error_message = "function_permissions_boundary_name must be null or an IAM policy name (not an ARN): letters, digits and +=,.@_-."
  }
}

variable "key_administrator_role_name" {
  description = "Role of this account that administers the stack's KMS key through the key policy written when the key is created: CI's apply role (terraform/bootstrap's `<project>-github-apply`). Null: the account's IAM policies alone decide, as on the emulators."
  type        = string
  default     = null
}

variable "key_reader_role_names" {
  description = "Roles of this account that may read the stack's KMS key and the function's encrypted environment through the key policy: CI's plan role (terraform/bootstrap's `<project>-github-plan`)."
  type        = list(string)
  default     = []
}

variable "lambda_maximum_retry_attempts" {
  description = "Times Lambda retries an asynchronous invocation whose function returned an error (0-2) before it records the event in the function-failures queue."
  type        = number
  default     = 2

  validation {
    condition     = contains([0, 1, 2], var.lambda_maximum_retry_attempts)
    error_message = "lambda_maximum_retry_attempts must be 0, 1 or 2."
  }
}

variable "lambda_maximum_event_age_seconds" {
  description = "Longest an event waits in Lambda's asynchronous queue (60-21600 s) before it is recorded in the function-failures queue instead of processed."
  type        = number
  default     = 3600

  validation {
    condition     = var.lambda_maximum_event_age_seconds >= 60 && var.lambda_maximum_event_age_seconds <= 21600 && floor(var.lambda_maximum_event_age_seconds) == var.lambda_maximum_event_age_seconds
    error_message = "lambda_maximum_event_age_seconds must be a whole number between 60 and 21600."
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
# Events
################################################################################

variable "event_key_prefix" {
  description = "Only objects whose key starts with this invoke the function (as S3 reports keys to EventBridge: URL-encoded). \"\" (the default): any key."
  type        = string
  default     = ""

  validation {
    condition     = length(var.event_key_prefix) <= 1024
    error_message = "event_key_prefix must be at most 1024 characters, the longest S3 key."
  }
}

variable "event_key_suffix" {
  description = "Only objects whose key ends with this invoke the function (for example .txt). \"\" (the default): any key. With a prefix too, a key must have both, and be at least as long as both together."
  type        = string
  default     = ""

  validation {
    condition     = length(var.event_key_suffix) <= 1024
    error_message = "event_key_suffix must be at most 1024 characters, the longest S3 key."
  }
}

variable "event_maximum_retry_attempts" {
  description = "Times EventBridge retries delivering an event to the function (0-185) before it puts the event into the event-dlq queue."
  type        = number
  default     = 24

  validation {
    condition     = var.event_maximum_retry_attempts >= 0 && var.event_maximum_retry_attempts <= 185 && floor(var.event_maximum_retry_attempts) == var.event_maximum_retry_attempts
    error_message = "event_maximum_retry_attempts must be a whole number between 0 and 185."
  }
}

variable "event_maximum_event_age_seconds" {
  description = "Longest EventBridge keeps retrying an event (60-86400 s) before it puts the event into the event-dlq queue."
  type        = number
  default     = 3600

  validation {
    condition     = var.event_maximum_event_age_seconds >= 60 && var.event_maximum_event_age_seconds <= 86400 && floor(var.event_maximum_event_age_seconds) == var.event_maximum_event_age_seconds
    error_message = "event_maximum_event_age_seconds must be a whole number between 60 and 86400."
  }
}

variable "failure_queue_retention_seconds" {
  description = "How long the event-dlq and function-failures queues keep a message (60-1209600 s, 14 days at most)."
  type        = number
  default     = 1209600

  validation {
    condition     = var.failure_queue_retention_seconds >= 60 && var.failure_queue_retention_seconds <= 1209600 && floor(var.failure_queue_retention_seconds) == var.failure_queue_retention_seconds
    error_message = "failure_queue_retention_seconds must be a whole number between 60 and 1209600."
  }
}

################################################################################
# Storage and encryption
################################################################################

variable "kms_key_deletion_window_days" {
  description = "Days a deleted KMS key can still be recovered (7-30); everything the stack stored is unreadable once it is gone."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_key_deletion_window_days >= 7 && var.kms_key_deletion_window_days <= 30 && floor(var.kms_key_deletion_window_days) == var.kms_key_deletion_window_days
    error_message = "kms_key_deletion_window_days must be a whole number between 7 and 30."
  }
}

variable "enable_access_logging" {
  description = "Log every request to the source and destination buckets (S3 server access logs) into a dedicated log bucket."
  type        = bool
  default     = true
}

variable "access_log_expiration_days" {
  description = "Days the access log bucket keeps a log object."
  type        = number
  default     = 365

  validation {
    condition     = var.access_log_expiration_days >= 1 && floor(var.access_log_expiration_days) == var.access_log_expiration_days
    error_message = "access_log_expiration_days must be a whole number of days, 1 or more."
  }
}

variable "rejection_report_expiration_days" {
  description = "Days the destination bucket keeps a rejection report (_rejected/<key>.json)."
  type        = number
  default     = 90

  validation {
    condition     = var.rejection_report_expiration_days >= 1 && floor(var.rejection_report_expiration_days) == var.rejection_report_expiration_days
    error_message = "rejection_report_expiration_days must be a whole number of days, 1 or more."
  }
}

variable "noncurrent_version_expiration_days" {
  description = "Days every bucket keeps an overwritten or deleted object version (all buckets are versioned)."
  type        = number
  default     = 30

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1 && floor(var.noncurrent_version_expiration_days) == var.noncurrent_version_expiration_days
    error_message = "noncurrent_version_expiration_days must be a whole number of days, 1 or more."
  }
}

variable "abort_incomplete_multipart_upload_days" {
  description = "Days after which every bucket removes the parts of a multipart upload that was never completed."
  type        = number
  default     = 7

  validation {
    condition     = var.abort_incomplete_multipart_upload_days >= 1 && floor(var.abort_incomplete_multipart_upload_days) == var.abort_incomplete_multipart_upload_days
    error_message = "abort_incomplete_multipart_upload_days must be a whole number of days, 1 or more."
  }
}

################################################################################
# Alarms
################################################################################

variable "alarm_email" {
  description = "E-mail address subscribed to the alarm topic (AWS mails a confirmation link first). null (the default): no subscription."
  type        = string
  default     = null

  validation {
    condition     = var.alarm_email == null || can(regex("^[^@[:space:]]+@[^@[:space:]]+\\.[^@[:space:]]+$", var.alarm_email))
    error_message = "alarm_email must be null or an e-mail address."
  }
}

variable "alarm_period_seconds" {
  description = "Period over which each alarm's metric is evaluated (60 s or a multiple of it)."
  type        = number
  default     = 300

  validation {
    condition     = var.alarm_period_seconds >= 60 && var.alarm_period_seconds % 60 == 0
    error_message = "alarm_period_seconds must be 60 or a multiple of 60."
  }
}

variable "alarm_rejections_threshold" {
  description = "Rejected files (the function's EMF metric pipesum/Rejections) in one alarm period above which the rejections alarm fires; 0: any rejection."
  type        = number
  default     = 0

  validation {
    condition     = var.alarm_rejections_threshold >= 0 && floor(var.alarm_rejections_threshold) == var.alarm_rejections_threshold
    error_message = "alarm_rejections_threshold must be a whole number, 0 or more."
  }
}

variable "alarm_queue_age_threshold_seconds" {
  description = "Age of the oldest message in a failure queue above which its alarm fires: a failure nobody has handled."
  type        = number
  default     = 86400

  validation {
    condition     = var.alarm_queue_age_threshold_seconds >= 60 && floor(var.alarm_queue_age_threshold_seconds) == var.alarm_queue_age_threshold_seconds
    error_message = "alarm_queue_age_threshold_seconds must be a whole number of seconds, 60 or more."
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
