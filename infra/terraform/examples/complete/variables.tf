variable "region" {
  description = "AWS region to deploy to."
  type        = string
  default     = "eu-central-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as eu-central-1."
  }
}

variable "name_prefix" {
  description = "Prefix of every resource name (functions are <prefix>-http-predict, <prefix>-event-score, <prefix>-batch-score)."
  type        = string
  default     = "inferfn"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,19}$", var.name_prefix))
    error_message = "name_prefix must be 1-20 lowercase letters, digits or '-', starting with a letter."
  }
}

variable "model_bucket_name" {
  description = "Name of the model registry bucket to create (globally unique)."
  type        = string
}

variable "models" {
  description = "Model version each function serves, as <name>/<version> under s3://<model bucket>/models/. Changing one publishes a new function version and moves its live alias."
  type        = map(string)
  default = {
    http-predict = "fraud/2"
    event-score  = "fraud/2"
    batch-score  = "fraud/2"
  }

  validation {
    condition     = length(setsubtract(["http-predict", "event-score", "batch-score"], keys(var.models))) == 0 && alltrue([for v in values(var.models) : can(regex("^[a-z0-9][a-z0-9._-]*/[A-Za-z0-9._-]+$", v))])
    error_message = "models must map http-predict, event-score and batch-score to <name>/<version>, e.g. fraud/2."
  }
}

variable "previous_models" {
  description = "Per function, model versions (<name>/<version>) the role may still read during a rollout/rollback, e.g. { http-predict = [\"fraud/2\"] } while moving to fraud/3."
  type        = map(list(string))
  default     = {}
}

variable "build_kind" {
  description = "Build deployed for all three functions: jvm (java21 + SnapStart) or native (provided.al2023)."
  type        = string
  default     = "jvm"

  validation {
    condition     = contains(["jvm", "native"], var.build_kind)
    error_message = "build_kind must be \"jvm\" or \"native\"."
  }
}

variable "architecture" {
  description = "arm64 or x86_64 for all three functions."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be \"arm64\" or \"x86_64\"."
  }
}

variable "function_zip_paths" {
  description = "Local zips per function (null = <repo>/functions/<fn>/target/lambda/function.zip). Used unless artifact_bucket is set. They need to exist for apply only."
  type        = map(string)
  default     = {}
}

variable "artifact_bucket" {
  description = "When set, code is taken from s3://<artifact_bucket>/<fn>/function.zip (uploaded by CI) instead of local zips."
  type        = string
  default     = null
}

variable "artifact_versions" {
  description = "Optional S3 object versions of the uploaded zips, per function (pins the exact artifact)."
  type        = map(string)
  default     = {}
}

variable "vpc_id" {
  description = "VPC hosting the functions' ENIs and the Redis feature store."
  type        = string
}

variable "private_subnet_ids" {
  description = "Private subnets (two or more AZs) for the functions and Redis."
  type        = list(string)
}

variable "function_security_group_ids" {
  description = "Security group(s) attached to the functions; Redis admits 6379 from these only."
  type        = list(string)
}

variable "redis_auth_token" {
  description = "Redis AUTH token (16-128 chars). Pass via TF_VAR_redis_auth_token from a secret store; never commit it."
  type        = string
  sensitive   = true
}

variable "jwt_issuer" {
  description = "JWT issuer URL for the http-predict API (e.g. a Cognito user pool)."
  type        = string
}

variable "jwt_audience" {
  description = "Accepted JWT audiences (client ids)."
  type        = list(string)
}

variable "batch_schedule_expression" {
  description = "When batch-score runs."
  type        = string
  default     = "cron(0 8 * * ? *)"
}

variable "batch_timezone" {
  description = "Time zone of batch_schedule_expression."
  type        = string
  default     = "Europe/Berlin"
}

variable "batch_shard_count" {
  description = "Shards of a batch-score run (one scheduled invocation each)."
  type        = number
  default     = 4
}

variable "batch_source_uri" {
  description = "Optional source override passed to every batch-score shard."
  type        = string
  default     = null
}

variable "batch_sink_uri" {
  description = "Optional sink override passed to every batch-score shard."
  type        = string
  default     = null
}

variable "tags" {
  description = "Default tags on every resource."
  type        = map(string)
  default     = { project = "inferfn" }
}
