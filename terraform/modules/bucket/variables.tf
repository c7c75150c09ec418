################################################################################
# Bucket
################################################################################

variable "bucket_name" {
  description = "Name of the bucket (globally unique, 3-63 characters)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be 3-63 characters of lowercase letters, digits, dots and hyphens."
  }
}

variable "force_destroy" {
  description = "Allow `terraform destroy` to delete the bucket while it still holds objects."
  type        = bool
  default     = false
}

variable "enable_eventbridge" {
  description = "Send the bucket's object events to EventBridge."
  type        = bool
  default     = false
}

################################################################################
# Encryption
################################################################################

variable "kms_key_arn" {
  description = "ARN of the customer managed KMS key for default encryption (SSE-KMS with a bucket key); puts naming another key are denied. null: SSE-S3 (AES256), for buckets S3 server access logs are delivered to, which cannot be SSE-KMS."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/", var.kms_key_arn))
    error_message = "kms_key_arn must be null or a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), not a key id or an alias: the bucket policy compares it with the key a put names."
  }
}

################################################################################
# Server access logging
################################################################################

variable "access_logging" {
  description = "Where S3 server access logs of this bucket go: the target bucket (which must allow this bucket in its access_log_source_bucket_arns) and a key prefix ending in '/'. null: no access logging."
  type = object({
    target_bucket = string
    target_prefix = string
  })
  default = null

  validation {
    condition     = var.access_logging == null || try(endswith(var.access_logging.target_prefix, "/"), false)
    error_message = "access_logging.target_prefix must end with '/'."
  }
}

variable "access_log_source_bucket_arns" {
  description = "ARNs of the buckets whose S3 server access logs this bucket receives: the bucket policy lets logging.s3.amazonaws.com put objects for them (and for no other bucket or account). Empty: this is no log bucket."
  type        = list(string)
  default     = []
}

################################################################################
# Lifecycle
################################################################################

variable "noncurrent_version_expiration_days" {
  description = "Days after which an overwritten or deleted object version (the bucket is versioned) is removed."
  type        = number
  default     = 30

  validation {
    condition     = var.noncurrent_version_expiration_days >= 1 && floor(var.noncurrent_version_expiration_days) == var.noncurrent_version_expiration_days
    error_message = "noncurrent_version_expiration_days must be a whole number of days, 1 or more."
  }
}

variable "abort_incomplete_multipart_upload_days" {
  description = "Days after which the parts of a multipart upload that was never completed are removed."
  type        = number
  default     = 7

  validation {
    condition     = var.abort_incomplete_multipart_upload_days >= 1 && floor(var.abort_incomplete_multipart_upload_days) == var.abort_incomplete_multipart_upload_days
    error_message = "abort_incomplete_multipart_upload_days must be a whole number of days, 1 or more."
  }
}

variable "expiration_days" {
  description = "Days after creation at which every object of the bucket expires (becomes a noncurrent version). null: objects do not expire."
  type        = number
  default     = null

  validation {
    condition     = var.expiration_days == null || try(var.expiration_days >= 1 && floor(var.expiration_days) == var.expiration_days, false)
    error_message = "expiration_days must be null or a whole number of days, 1 or more."
  }
}

variable "expiration_rules" {
  description = "Objects under a key prefix to expire: each rule's id (not \"whole-bucket\"), the prefix (not empty; see expiration_days for the whole bucket) and the days after creation."
  type = list(object({
    id     = string
    prefix = string
    days   = number
  }))
  default = []

  validation {
    condition     = alltrue([for rule in var.expiration_rules : rule.days >= 1 && floor(rule.days) == rule.days])
    error_message = "Each expiration rule's days must be a whole number, 1 or more."
  }

  validation {
    condition     = alltrue([for rule in var.expiration_rules : rule.prefix != "" && rule.id != "whole-bucket"])
    error_message = "Each expiration rule needs a key prefix (expiration_days covers the whole bucket) and an id other than whole-bucket."
  }

  validation {
    condition     = length(distinct([for rule in var.expiration_rules : rule.id])) == length(var.expiration_rules)
    error_message = "Expiration rule ids must be unique."
  }
}
