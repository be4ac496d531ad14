variable "name" {
  description = "Base name: schedules are <name>-shard-<i>, the DLQ <name>-dlq, the role <name>-scheduler."
  type        = string

  validation {
    # 64 (schedule/role name limit) - length("-shard-999")
    condition     = can(regex("^[A-Za-z0-9_-]{1,54}$", var.name))
    error_message = "name must be 1-54 characters of letters, digits, '-' or '_' (<name>-shard-<i> must fit 64 characters)."
  }
}

variable "function_alias_arn" {
  description = "ARN of the function alias to invoke (the inference-function module's alias_arn)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:function:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+$", var.function_alias_arn))
    error_message = "function_alias_arn must be a qualified Lambda ARN ending in :<alias>."
  }
}

variable "schedule_expression" {
  description = "When to run: cron(...), rate(...) or at(...) in EventBridge Scheduler syntax, e.g. cron(0 8 * * ? *)."
  type        = string

  validation {
    condition     = can(regex("^(cron|rate|at)\\(.+\\)$", var.schedule_expression))
    error_message = "schedule_expression must start with cron(, rate( or at( and end with ), e.g. cron(0 8 * * ? *) or rate(1 hour)."
  }
}

variable "timezone" {
  description = "IANA time zone the expression is evaluated in (e.g. Europe/Berlin)."
  type        = string
  default     = "UTC"

  validation {
    condition     = can(regex("^(UTC|[A-Za-z]+(/[A-Za-z0-9_+-]+)+)$", var.timezone))
    error_message = "timezone must be UTC or an IANA name like Europe/Berlin."
  }
}

variable "shard_count" {
  description = "Number of shards: one schedule per shard, each invoking the function with its shardIndex (0..shard_count-1)."
  type        = number
  default     = 1

  validation {
    condition     = var.shard_count >= 1 && var.shard_count <= 1000 && floor(var.shard_count) == var.shard_count
    error_message = "shard_count must be a whole number between 1 and 1000."
  }
}

variable "source_uri" {
  description = "Optional payload override of the batch run's source, passed as \"source\": table:<name> (plain identifier, schema.table at most), sql:<one SELECT or WITH query> (both from the function's datasource) or file:<path>.csv. null (default) = the function's own inferfn.batch.source (INFERFN_BATCH_SOURCE), the normal way. batch-score refuses payload overrides unless the function has INFERFN_BATCH_ALLOW_OVERRIDES=true (inferfn.batch.allow-overrides), and then accepts only tables and files under its INFERFN_BATCH_OVERRIDES_TABLES / _PATHS prefixes (sql: sources only with INFERFN_BATCH_OVERRIDES_SQL=true)."
  type        = string
  default     = null

  validation {
    # Same grammar as batch-score (BatchRunner, JdbcSource.IDENTIFIER); anything else is answered with a 400.
    condition     = var.source_uri == null || can(regex("^(table:[A-Za-z_][A-Za-z0-9_$]*(\\.[A-Za-z_][A-Za-z0-9_$]*)?|sql:\\s*(?i:select|with)\\b[^;]*;?\\s*|file:.*\\.csv)$", var.source_uri))
    error_message = "source_uri must be null or table:<name> (a plain SQL identifier, schema.table at most), sql:<one SELECT/WITH query, no ';' inside> or file:<path>.csv; batch-score reads nothing else (no s3://, no Parquet)."
  }
}

variable "sink_uri" {
  description = "Optional payload override of the batch run's sink, passed as \"sink\": table:<name> (plus <name>_rejects, in the function's datasource) or file:<path>.csv (plus <path>.rejects.csv). null (default) = the function's own inferfn.batch.sink (INFERFN_BATCH_SINK), the normal way. batch-score refuses payload overrides unless the function has INFERFN_BATCH_ALLOW_OVERRIDES=true (inferfn.batch.allow-overrides), and then accepts only tables and files under its INFERFN_BATCH_OVERRIDES_TABLES / _PATHS prefixes (sql: sources only with INFERFN_BATCH_OVERRIDES_SQL=true)."
  type        = string
  default     = null

  validation {
    condition     = var.sink_uri == null || can(regex("^(table:[A-Za-z_][A-Za-z0-9_$]*(\\.[A-Za-z_][A-Za-z0-9_$]*)?|file:.*\\.csv)$", var.sink_uri))
    error_message = "sink_uri must be null or table:<name> (a plain SQL identifier, schema.table at most) or file:<path>.csv; batch-score writes nothing else (no s3://, no Parquet)."
  }
}

variable "enabled" {
  description = "Whether the schedules are ENABLED (true) or DISABLED (false)."
  type        = bool
  default     = true
}

variable "maximum_retry_attempts" {
  description = "Retries of a failed invocation before the event goes to the DLQ (0-185)."
  type        = number
  default     = 3

  validation {
    condition     = var.maximum_retry_attempts >= 0 && var.maximum_retry_attempts <= 185
    error_message = "maximum_retry_attempts must be between 0 and 185."
  }
}

variable "maximum_event_age_in_seconds" {
  description = "Age after which an undelivered event goes to the DLQ (60-86400 s)."
  type        = number
  default     = 3600

  validation {
    condition     = var.maximum_event_age_in_seconds >= 60 && var.maximum_event_age_in_seconds <= 86400
    error_message = "maximum_event_age_in_seconds must be between 60 and 86400."
  }
}

variable "tags" {
  description = "Tags for the resources that support them."
  type        = map(string)
  default     = {}
}
