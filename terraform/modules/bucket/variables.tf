variable "bucket_name" {
  description = "Name of the bucket (globally unique, 3-63 characters)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be 3-63 characters of lowercase letters, digits, dots and hyphens."
  }
}

variable "enable_eventbridge" {
  description = "Send the bucket's object events to EventBridge."
  type        = bool
  default     = false
}

variable "force_destroy" {
  description = "Allow `terraform destroy` to delete the bucket while it still holds objects."
  type        = bool
  default     = false
}
