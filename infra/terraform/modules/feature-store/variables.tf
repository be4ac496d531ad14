variable "name" {
  description = "Replication group id (also names the subnet group and security group)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,39}$", var.name)) && !endswith(var.name, "-") && !strcontains(var.name, "--")
    error_message = "name must be 1-40 lowercase letters, digits or single hyphens, start with a letter and not end with a hyphen (ElastiCache replication group id rules)."
  }
}

variable "vpc_id" {
  description = "VPC of the cache (and of the functions reaching it)."
  type        = string

  validation {
    condition     = can(regex("^vpc-[0-9a-f]+$", var.vpc_id))
    error_message = "vpc_id must be a VPC id (vpc-...)."
  }
}

variable "subnet_ids" {
  description = "Private subnets for the cache nodes (use two or more AZs with num_cache_clusters > 1)."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) >= 1 && alltrue([for s in var.subnet_ids : can(regex("^subnet-[0-9a-f]+$", s))])
    error_message = "subnet_ids must hold at least one subnet id (subnet-...)."
  }
}

variable "source_security_group_ids" {
  description = "Security groups allowed to connect on 6379 (the inference functions' security group). Nothing else is allowed in."
  type        = list(string)

  validation {
    condition     = length(var.source_security_group_ids) >= 1 && alltrue([for s in var.source_security_group_ids : can(regex("^sg-[0-9a-f]+$", s))])
    error_message = "source_security_group_ids must hold at least one security group id (sg-...); CIDR access is not offered."
  }
}

variable "auth_token" {
  description = "Redis AUTH token (16-128 printable characters, none of / \" @ or space). Required: the random provider is not available to generate it. Store it in a secret store and pass it in, e.g. TF_VAR_redis_auth_token."
  type        = string
  sensitive   = true

  validation {
    condition     = length(var.auth_token) >= 16 && length(var.auth_token) <= 128 && can(regex("^[!#-.0-?A-~]+$", var.auth_token))
    error_message = "auth_token must be 16-128 printable ASCII characters without spaces, '/', '\"' or '@' (ElastiCache AUTH rules)."
  }
}

variable "engine_version" {
  description = "Redis OSS engine version (7.0 or newer keeps transit encryption mode controls)."
  type        = string
  default     = "7.1"

  validation {
    condition     = can(regex("^[6-9]\\.[0-9]+$", var.engine_version))
    error_message = "engine_version must be a Redis major.minor version such as 7.1 (6.x or newer)."
  }
}

variable "node_type" {
  description = "Cache node type."
  type        = string
  default     = "cache.t4g.small"

  validation {
    condition     = startswith(var.node_type, "cache.")
    error_message = "node_type must be an ElastiCache node type (cache.*)."
  }
}

variable "num_cache_clusters" {
  description = "Nodes in the replication group (1 primary + replicas). More than one enables automatic failover and Multi-AZ."
  type        = number
  default     = 2

  validation {
    condition     = var.num_cache_clusters >= 1 && var.num_cache_clusters <= 6 && floor(var.num_cache_clusters) == var.num_cache_clusters
    error_message = "num_cache_clusters must be a whole number between 1 and 6."
  }
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for encryption at rest; null = the ElastiCache default key (still encrypted)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN."
  }
}

variable "snapshot_retention_limit" {
  description = "Days of automatic snapshots to keep (0 disables them)."
  type        = number
  default     = 1

  validation {
    condition     = var.snapshot_retention_limit >= 0 && var.snapshot_retention_limit <= 35
    error_message = "snapshot_retention_limit must be between 0 and 35 days."
  }
}

variable "tags" {
  description = "Tags for every resource the module creates."
  type        = map(string)
  default     = {}
}
