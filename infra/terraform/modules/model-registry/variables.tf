variable "bucket_name" {
  description = "Name of the model registry bucket (globally unique)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name)) && !strcontains(var.bucket_name, "..") && !can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+$", var.bucket_name))
    error_message = "bucket_name must be 3-63 lowercase letters, digits, '.' or '-', start and end with a letter or digit, and not look like an IP address."
  }
}

variable "kms_key_arn" {
  description = "KMS key for SSE-KMS; null = the module creates a key with automatic rotation."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}

variable "kms_deletion_window_in_days" {
  description = "Waiting period before a module-created key is deleted (7-30 days)."
  type        = number
  default     = 30

  validation {
    condition     = var.kms_deletion_window_in_days >= 7 && var.kms_deletion_window_in_days <= 30
    error_message = "kms_deletion_window_in_days must be between 7 and 30."
  }
}

variable "models_prefix" {
  description = "Key prefix under which models are published as <prefix><name>/<version>/."
  type        = string
  default     = "models/"

  validation {
    condition     = can(regex("^([A-Za-z0-9._-]+/)+$", var.models_prefix))
    error_message = "models_prefix must be a key prefix ending in '/', e.g. models/."
  }
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which overwritten (noncurrent) object versions are deleted; null keeps them forever."
  type        = number
  default     = null

  validation {
    condition     = var.noncurrent_version_expiration_days == null ? true : var.noncurrent_version_expiration_days >= 1
    error_message = "noncurrent_version_expiration_days must be at least 1 (or null)."
  }
}

variable "force_destroy" {
  description = "Allow destroying a non-empty bucket (keep false outside sandboxes)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags for every resource the module creates."
  type        = map(string)
  default     = {}
}
