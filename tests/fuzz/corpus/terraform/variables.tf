variable "name" {
  description = "Globally unique bucket name."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9.-]{3,63}$", var.name))
    error_message = "Bucket names must be 3-63 lowercase characters."
  }
}

variable "environment" {
  description = "Deployment environment (dev, staging, prod)."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key used for default encryption. Null uses the AWS managed key."
  type        = string
  default     = null
}
