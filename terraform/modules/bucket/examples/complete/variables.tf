variable "region" {
  description = "Region of the buckets and the key."
  type        = string
  default     = "us-east-1"
}

variable "name_prefix" {
  description = "Prefix of the bucket names; the account id and region follow it, so the names are globally unique."
  type        = string
  default     = "bucket-example"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]{0,24}$", var.name_prefix))
    error_message = "name_prefix must be 1-25 lowercase letters, digits or hyphens, starting with a letter or digit (the longest bucket name must fit 63 characters)."
  }
}
