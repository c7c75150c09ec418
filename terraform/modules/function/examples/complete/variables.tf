variable "region" {
  description = "Region of the function and its failure queue."
  type        = string
  default     = "us-east-1"
}

variable "function_name" {
  description = "Name of the function (and of its role, log group and failure queue)."
  type        = string
  default     = "function-example"
}

variable "input_bucket_name" {
  description = "Name of an existing bucket the function may read objects from."
  type        = string
  default     = "function-example-input"
}
