variable "name" {
  description = "Name of the SQS queue (the dead-letter queue is <name>-dlq)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,76}$", var.name))
    error_message = "name must be 1-76 characters of letters, digits, '-' or '_' (<name>-dlq must fit SQS's 80-character limit)."
  }
}

variable "function_alias_arn" {
  description = "ARN of the function alias the event source mappings invoke (the inference-function module's alias_arn)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+$", var.function_alias_arn))
    error_message = "function_alias_arn must be a qualified Lambda ARN ending in :<alias>."
  }
}

variable "function_role_name" {
  description = "Name of the function's execution role; the module attaches the queue (and MSK, Kinesis) read permissions to it."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9+=,.@_-]{1,64}$", var.function_role_name))
    error_message = "function_role_name must be an IAM role name (not an ARN)."
  }
}

variable "function_timeout_seconds" {
  description = "Timeout of the function, used to size and check the queue's visibility timeout (AWS: at least 6x the function timeout)."
  type        = number

  validation {
    condition     = var.function_timeout_seconds >= 1 && var.function_timeout_seconds <= 900
    error_message = "function_timeout_seconds must be between 1 and 900."
  }
}

variable "visibility_timeout_seconds" {
  description = "Visibility timeout of the queue; null = 6 x function_timeout_seconds. Must be >= 6 x function_timeout_seconds."
  type        = number
  default     = null

  validation {
    condition     = var.visibility_timeout_seconds == null ? true : (var.visibility_timeout_seconds >= 0 && var.visibility_timeout_seconds <= 43200)
    error_message = "visibility_timeout_seconds must be between 0 and 43200 (12 hours)."
  }
}

variable "message_retention_seconds" {
  description = "How long the queue keeps a message (60 s - 14 days)."
  type        = number
  default     = 345600

  validation {
    condition     = var.message_retention_seconds >= 60 && var.message_retention_seconds <= 1209600
    error_message = "message_retention_seconds must be between 60 and 1209600."
  }
}

variable "max_receive_count" {
  description = "Receives after which a message moves to the dead-letter queue (redrive_policy maxReceiveCount)."
  type        = number
  default     = 5

  validation {
    condition     = var.max_receive_count >= 1 && var.max_receive_count <= 1000 && floor(var.max_receive_count) == var.max_receive_count
    error_message = "max_receive_count must be a whole number between 1 and 1000."
  }
}

variable "kms_key_arn" {
  description = "KMS key for SSE-KMS on both queues; null = SQS-managed SSE (SSE-SQS). With a key the role also gets kms:Decrypt on it."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}

variable "batch_size" {
  description = "Messages per invocation (1-10; up to 10000 with a batching window)."
  type        = number
  default     = 10

  validation {
    condition     = var.batch_size >= 1 && var.batch_size <= 10000
    error_message = "batch_size must be between 1 and 10000."
  }
}

variable "maximum_batching_window_in_seconds" {
  description = "How long the poller gathers messages before invoking (0-300 s)."
  type        = number
  default     = 0

  validation {
    condition     = var.maximum_batching_window_in_seconds >= 0 && var.maximum_batching_window_in_seconds <= 300
    error_message = "maximum_batching_window_in_seconds must be between 0 and 300."
  }
}

variable "maximum_concurrency" {
  description = "Cap on concurrent invocations by the SQS mapping (2-1000); null = no cap."
  type        = number
  default     = null

  validation {
    condition     = var.maximum_concurrency == null ? true : (var.maximum_concurrency >= 2 && var.maximum_concurrency <= 1000)
    error_message = "maximum_concurrency must be between 2 and 1000 (or null)."
  }
}

variable "msk" {
  description = <<-EOT
    Optional Amazon MSK (IAM auth) trigger; null = SQS only.
    - cluster_arn, topic, consumer_group_id (default: name), starting_position (LATEST), batch_size (100).
    - maximum_retry_attempts (default 3, 0-10000): retries of a failed batch before it goes to the on-failure
      destination; with bisect_batch_on_function_error (default true) a failed batch is split in two on each retry,
      so one record the function cannot handle is isolated instead of holding its partition until retention.
    - maximum_record_age_in_seconds (default -1 = no limit, else 60-604800): older records go to the destination.
    - on_failure_destination_arn: SQS queue, SNS topic or S3 bucket that gets the failed batch's metadata (S3: the
      records too); default this module's dead-letter queue.
    - minimum_pollers / maximum_pollers (default 1 / 2): AWS offers the retry limit and bisect for Kafka only in
      provisioned poller mode, which is billed per event poller unit.
  EOT
  type = object({
    cluster_arn                    = string
    topic                          = string
    consumer_group_id              = optional(string)
    starting_position              = optional(string, "LATEST")
    batch_size                     = optional(number, 100)
    maximum_retry_attempts         = optional(number, 3)
    bisect_batch_on_function_error = optional(bool, true)
    maximum_record_age_in_seconds  = optional(number, -1)
    on_failure_destination_arn     = optional(string)
    minimum_pollers                = optional(number, 1)
    maximum_pollers                = optional(number, 2)
  })
  default = null

  validation {
    condition = var.msk == null ? true : (
      can(regex("^arn:aws[a-z-]*:kafka:[a-z0-9-]+:[0-9]{12}:cluster/[A-Za-z0-9-]+/[A-Za-z0-9-]+$", var.msk.cluster_arn)) &&
      can(regex("^[A-Za-z0-9._-]{1,249}$", var.msk.topic)) &&
      (var.msk.consumer_group_id == null || can(regex("^[A-Za-z0-9._-]{1,200}$", coalesce(var.msk.consumer_group_id, "x")))) &&
      contains(["LATEST", "TRIM_HORIZON"], var.msk.starting_position) &&
      var.msk.batch_size >= 1 && var.msk.batch_size <= 10000
    )
    error_message = "msk needs a cluster ARN (arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>), a topic name without wildcards, an optional consumer group id without wildcards, starting_position LATEST or TRIM_HORIZON and batch_size 1-10000."
  }

  validation {
    condition = var.msk == null ? true : (
      var.msk.maximum_retry_attempts >= 0 && var.msk.maximum_retry_attempts <= 10000 &&
      floor(var.msk.maximum_retry_attempts) == var.msk.maximum_retry_attempts
    )
    error_message = "msk.maximum_retry_attempts must be a whole number between 0 and 10000: unlimited retries (-1) let one poison batch block its partition until the records expire."
  }

  validation {
    condition = var.msk == null ? true : (
      var.msk.maximum_record_age_in_seconds == -1 ||
      (var.msk.maximum_record_age_in_seconds >= 60 && var.msk.maximum_record_age_in_seconds <= 604800)
    )
    error_message = "msk.maximum_record_age_in_seconds must be -1 (no limit) or between 60 and 604800."
  }

  validation {
    condition = var.msk == null ? true : (
      var.msk.on_failure_destination_arn == null ||
      can(regex("^arn:aws[a-z-]*:(sqs:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]+(\\.fifo)?|sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]+|s3:::[a-z0-9.-]+)$", coalesce(var.msk.on_failure_destination_arn, "x")))
    )
    error_message = "msk.on_failure_destination_arn must be an SQS queue, SNS topic or S3 bucket ARN."
  }

  validation {
    condition = var.msk == null ? true : (
      var.msk.minimum_pollers >= 1 && var.msk.minimum_pollers <= 200 &&
      var.msk.maximum_pollers >= var.msk.minimum_pollers && var.msk.maximum_pollers <= 2000
    )
    error_message = "msk.minimum_pollers must be 1-200 and maximum_pollers between minimum_pollers and 2000."
  }
}

variable "kinesis" {
  description = <<-EOT
    Optional Kinesis Data Streams trigger; null = none.
    - stream_arn, starting_position (LATEST or TRIM_HORIZON), batch_size (100, 1-10000),
      maximum_batching_window_in_seconds (0-300), parallelization_factor (1, concurrent batches per shard, 1-10).
    - The mapping uses ReportBatchItemFailures: the function reports the records it could not score by sequence
      number, and Lambda retries the shard from the lowest one.
    - maximum_retry_attempts (default 3, 0-10000): retries before the records go to the on-failure destination;
      with bisect_batch_on_function_error (default true) a failed batch is split in two on each retry.
    - maximum_record_age_in_seconds (default -1 = no limit, else 60-604800): older records go to the destination.
    - on_failure_destination_arn: SQS queue, SNS topic or S3 bucket that gets the failed records' shard and
      sequence numbers (S3: the records too); default this module's dead-letter queue.
    - enhanced_fan_out (default false): register a stream consumer named <name> and read through it (dedicated
      throughput per shard, billed per consumer-shard hour); the role gets kinesis:SubscribeToShard on it.
    - stream_kms_key_arn: the stream's customer managed key (SSE-KMS), for kms:Decrypt; null for AWS-owned keys.
  EOT
  type = object({
    stream_arn                         = string
    starting_position                  = optional(string, "LATEST")
    batch_size                         = optional(number, 100)
    maximum_batching_window_in_seconds = optional(number, 0)
    parallelization_factor             = optional(number, 1)
    maximum_retry_attempts             = optional(number, 3)
    bisect_batch_on_function_error     = optional(bool, true)
    maximum_record_age_in_seconds      = optional(number, -1)
    on_failure_destination_arn         = optional(string)
    enhanced_fan_out                   = optional(bool, false)
    stream_kms_key_arn                 = optional(string)
  })
  default = null

  validation {
    condition = var.kinesis == null ? true : (
      can(regex("^arn:aws[a-z-]*:kinesis:[a-z0-9-]+:[0-9]{12}:stream/[A-Za-z0-9_.-]{1,128}$", var.kinesis.stream_arn)) &&
      contains(["LATEST", "TRIM_HORIZON"], var.kinesis.starting_position) &&
      var.kinesis.batch_size >= 1 && var.kinesis.batch_size <= 10000 &&
      var.kinesis.maximum_batching_window_in_seconds >= 0 && var.kinesis.maximum_batching_window_in_seconds <= 300 &&
      var.kinesis.parallelization_factor >= 1 && var.kinesis.parallelization_factor <= 10 &&
      floor(var.kinesis.parallelization_factor) == var.kinesis.parallelization_factor
    )
    error_message = "kinesis needs a stream ARN (arn:aws:kinesis:<region>:<account>:stream/<name>), starting_position LATEST or TRIM_HORIZON, batch_size 1-10000, maximum_batching_window_in_seconds 0-300 and parallelization_factor 1-10."
  }

  validation {
    condition = var.kinesis == null ? true : (
      var.kinesis.maximum_retry_attempts >= 0 && var.kinesis.maximum_retry_attempts <= 10000 &&
      floor(var.kinesis.maximum_retry_attempts) == var.kinesis.maximum_retry_attempts
    )
    error_message = "kinesis.maximum_retry_attempts must be a whole number between 0 and 10000: unlimited retries (-1) let one poison record block its shard until the stream's retention drops it."
  }

  validation {
    condition = var.kinesis == null ? true : (
      var.kinesis.maximum_record_age_in_seconds == -1 ||
      (var.kinesis.maximum_record_age_in_seconds >= 60 && var.kinesis.maximum_record_age_in_seconds <= 604800)
    )
    error_message = "kinesis.maximum_record_age_in_seconds must be -1 (no limit) or between 60 and 604800."
  }

  validation {
    condition = var.kinesis == null ? true : (
      var.kinesis.on_failure_destination_arn == null ||
      can(regex("^arn:aws[a-z-]*:(sqs:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]+(\\.fifo)?|sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]+|s3:::[a-z0-9.-]+)$", coalesce(var.kinesis.on_failure_destination_arn, "x")))
    )
    error_message = "kinesis.on_failure_destination_arn must be an SQS queue, SNS topic or S3 bucket ARN."
  }

  validation {
    condition = var.kinesis == null ? true : (
      var.kinesis.stream_kms_key_arn == null ||
      can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", coalesce(var.kinesis.stream_kms_key_arn, "x")))
    )
    error_message = "kinesis.stream_kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)."
  }
}

variable "tags" {
  description = "Tags for every resource the module creates."
  type        = map(string)
  default     = {}
}
