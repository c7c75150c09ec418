################################################################################
# Function
################################################################################

variable "function_name" {
  description = "Name of the function; also names its role and log group."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,64}$", var.function_name))
    error_message = "function_name must be 1-64 letters, digits, hyphens or underscores."
  }
}

variable "description" {
  description = "Description of the function."
  type        = string
  default     = ""
}

variable "zip_path" {
  description = "Path of the deployment package; its SHA-256 is tracked so a new build redeploys."
  type        = string
}

variable "handler" {
  description = "Handler, as module.function."
  type        = string
}

variable "runtime" {
  description = "Lambda runtime."
  type        = string
  default     = "python3.13"
}

variable "architecture" {
  description = "Instruction set of the function."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be arm64 or x86_64."
  }
}

variable "memory_mb" {
  description = "Memory of the function, in MB."
  type        = number
  default     = 128
}

variable "timeout_seconds" {
  description = "Timeout of one invocation, in seconds."
  type        = number
  default     = 30
}

variable "reserved_concurrent_executions" {
  description = "Concurrent executions reserved for (and the most allowed to) the function; -1 or null: unreserved, sharing the account's pool. 0 stops every invocation."
  type        = number
  default     = null

  validation {
    condition     = var.reserved_concurrent_executions == null || try(var.reserved_concurrent_executions >= -1 && floor(var.reserved_concurrent_executions) == var.reserved_concurrent_executions, false)
    error_message = "reserved_concurrent_executions must be null, -1 (unreserved) or a whole number, 0 or more."
  }
}

variable "environment" {
  description = "Environment variables of the function. PIPESUM_FAULT (the reliability tests' fault hook) is refused: only tests set it, on an emulator."
  type        = map(string)
  default     = {}

  validation {
    condition     = !contains(keys(var.environment), "PIPESUM_FAULT")
    error_message = "PIPESUM_FAULT turns on the reliability tests' fault hook; it is never deployed."
  }
}

variable "kms_key_arn" {
  description = "ARN of the customer managed KMS key that encrypts the function's environment variables and its log group. null: AWS managed keys."
  type        = string
  default     = null
}

variable "tracing_mode" {
  description = "X-Ray tracing: Active samples and traces invocations (and grants the role the X-Ray writes); PassThrough only passes on an upstream trace header."
  type        = string
  default     = "Active"

  validation {
    condition     = contains(["Active", "PassThrough"], var.tracing_mode)
    error_message = "tracing_mode must be Active or PassThrough."
  }
}

################################################################################
# Asynchronous invocation
################################################################################

variable "maximum_retry_attempts" {
  description = "Times Lambda retries an asynchronous invocation that returned an error (0-2)."
  type        = number
  default     = 2

  validation {
    condition     = contains([0, 1, 2], var.maximum_retry_attempts)
    error_message = "maximum_retry_attempts must be 0, 1 or 2."
  }
}

variable "maximum_event_age_seconds" {
  description = "Longest an asynchronous event waits in Lambda's queue (60-21600 seconds) before it goes to the on-failure destination."
  type        = number
  default     = 21600

  validation {
    condition     = var.maximum_event_age_seconds >= 60 && var.maximum_event_age_seconds <= 21600 && floor(var.maximum_event_age_seconds) == var.maximum_event_age_seconds
    error_message = "maximum_event_age_seconds must be a whole number between 60 and 21600."
  }
}

variable "on_failure_destination_arn" {
  description = "ARN of the standard SQS queue that receives a record (request and error) of every asynchronous invocation that failed all attempts or expired; the role may send to it."
  type        = string
  nullable    = false
}

variable "recursive_loop" {
  description = "What Lambda does when it detects the function in a recursive loop (through S3, SQS, SNS): Terminate stops it after about 16 invocations, Allow lets it run."
  type        = string
  default     = "Terminate"

  validation {
    condition     = contains(["Terminate", "Allow"], var.recursive_loop)
    error_message = "recursive_loop must be Terminate or Allow."
  }
}

################################################################################
# Logs
################################################################################

variable "log_retention_days" {
  description = "Retention of the function's log group, in days."
  type        = number
  default     = 30
}

variable "application_log_level" {
  description = "Lowest level of the function's own log records that reach the log group (JSON log format)."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"], var.application_log_level)
    error_message = "application_log_level must be one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL."
  }
}

variable "system_log_level" {
  description = "Lowest level of the Lambda platform's log records that reach the log group (JSON log format). The default, INFO, keeps START, END and REPORT: each invocation's duration and memory."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARN"], var.system_log_level)
    error_message = "system_log_level must be one of DEBUG, INFO, WARN."
  }
}

################################################################################
# Permissions
################################################################################

variable "policy_json" {
  description = "IAM policy document with what the function may do besides writing its own logs, traces and failure records."
  type        = string
}

variable "permissions_boundary_arn" {
  description = "ARN of the managed policy set as the execution role's permissions boundary. null: none."
  type        = string
  default     = null
}
