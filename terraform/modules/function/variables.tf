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

variable "environment" {
  description = "Environment variables of the function."
  type        = map(string)
  default     = {}
}

variable "policy_json" {
  description = "IAM policy document with what the function may do besides writing its own logs."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the function's log group, in days."
  type        = number
  default     = 30
}
