variable "name" {
  description = "Prefix of every alarm name and the dashboard's name (e.g. inferfn)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,200}$", var.name))
    error_message = "name must be 1-200 characters of letters, digits, '-' or '_' (it prefixes alarm and dashboard names)."
  }
}

variable "region" {
  description = "Region of the functions and queues, for the dashboard's widgets."
  type        = string
}

variable "namespace" {
  description = "CloudWatch namespace of the functions' EMF metrics (inferfn.metrics.emf.namespace in the functions; default inferfn)."
  type        = string
  default     = "inferfn"

  validation {
    condition     = length(var.namespace) > 0 && length(var.namespace) <= 255 && !startswith(var.namespace, "AWS/")
    error_message = "namespace must be 1-255 characters and not an AWS/ namespace."
  }
}

variable "functions" {
  description = "The inferfn functions to watch: inferfn function name (http-predict, event-score, batch-score: the EMF metrics' `function` dimension) => Lambda function name. Each gets an error-rate alarm and a degraded-ratio alarm."
  type        = map(string)

  validation {
    condition     = alltrue([for k, v in var.functions : contains(["http-predict", "event-score", "batch-score"], k) && can(regex("^[A-Za-z0-9_-]{1,64}$", v))])
    error_message = "functions keys must be http-predict, event-score or batch-score, and each value a Lambda function name (not an ARN)."
  }
}

variable "dead_letter_queues" {
  description = "SQS dead-letter queues to watch: a label (e.g. event-score, batch-score-schedule) => queue name. Each gets a depth alarm and an age-of-oldest-message alarm."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for v in values(var.dead_letter_queues) : can(regex("^[A-Za-z0-9_-]{1,80}(\\.fifo)?$", v))])
    error_message = "dead_letter_queues values must be SQS queue names (not URLs or ARNs)."
  }
}

variable "stream_mappings" {
  description = "Stream event source mappings to watch for falling behind: a label => { function_name, source }. source kinesis alarms on IteratorAge (ms), msk (or self-managed Kafka) on OffsetLag (records)."
  type = map(object({
    function_name = string
    source        = string
  }))
  default = {}

  validation {
    condition     = alltrue([for m in values(var.stream_mappings) : contains(["kinesis", "msk"], m.source)])
    error_message = "stream_mappings source must be kinesis or msk."
  }
}

variable "watch_dead_letter_topic" {
  description = "Alarm when event-score sends readings to its Kafka dead-letter topic (the EMF counter inferfn.events.dead.letters, all reasons)."
  type        = bool
  default     = true
}

variable "watch_batch_runs" {
  description = "Alarm when a batch-score shard run fails (the EMF counter inferfn.batch.runs with status=failed)."
  type        = bool
  default     = true
}

variable "alarms_enabled" {
  description = "Create the alarms. false removes every alarm (the dashboard stays, see dashboard_enabled)."
  type        = bool
  default     = true
}

variable "dashboard_enabled" {
  description = "Create the CloudWatch dashboard."
  type        = bool
  default     = true
}

variable "alarm_actions" {
  description = "ARNs notified when an alarm fires and when it clears (e.g. an SNS topic). Empty: the alarms only change state."
  type        = list(string)
  default     = []
}

variable "period_seconds" {
  description = "Period of every alarm's statistic, in seconds."
  type        = number
  default     = 300

  validation {
    condition     = contains([60, 300, 900, 3600], var.period_seconds)
    error_message = "period_seconds must be 60, 300, 900 or 3600."
  }
}

variable "evaluation_periods" {
  description = "Periods the error-rate, degraded-ratio and stream-lag alarms look at; they fire when datapoints_to_alarm of them breach. Dead letters and failed batch runs fire on the first period."
  type        = number
  default     = 3

  validation {
    condition     = var.evaluation_periods >= 1 && var.evaluation_periods <= 100
    error_message = "evaluation_periods must be 1-100."
  }
}

variable "datapoints_to_alarm" {
  description = "Breaching periods out of evaluation_periods that fire the rate and lag alarms."
  type        = number
  default     = 2

  validation {
    condition     = var.datapoints_to_alarm >= 1
    error_message = "datapoints_to_alarm must be at least 1 (and at most evaluation_periods)."
  }
}

variable "error_rate_threshold_percent" {
  description = "Function error rate (AWS/Lambda Errors / Invocations, %) above which the error-rate alarm fires."
  type        = number
  default     = 5

  validation {
    condition     = var.error_rate_threshold_percent > 0 && var.error_rate_threshold_percent <= 100
    error_message = "error_rate_threshold_percent must be in (0, 100]."
  }
}

variable "degraded_ratio_threshold_percent" {
  description = "Share of predictions answered degraded (inferfn.predictions outcome=degraded / all, %: features missing, Redis slow or down) above which the degraded-ratio alarm fires."
  type        = number
  default     = 10

  validation {
    condition     = var.degraded_ratio_threshold_percent > 0 && var.degraded_ratio_threshold_percent <= 100
    error_message = "degraded_ratio_threshold_percent must be in (0, 100]."
  }
}

variable "dlq_depth_threshold" {
  description = "Messages visible in a dead-letter queue above which its depth alarm fires (0: any message)."
  type        = number
  default     = 0

  validation {
    condition     = var.dlq_depth_threshold >= 0
    error_message = "dlq_depth_threshold must be >= 0."
  }
}

variable "dlq_oldest_message_age_threshold_seconds" {
  description = "Age of a dead-letter queue's oldest message above which its age alarm fires: nobody has redriven or inspected it (retention is 14 days)."
  type        = number
  default     = 86400

  validation {
    condition     = var.dlq_oldest_message_age_threshold_seconds >= 60
    error_message = "dlq_oldest_message_age_threshold_seconds must be at least 60."
  }
}

variable "iterator_age_threshold_ms" {
  description = "Kinesis mappings: IteratorAge (ms, the age of the last record read) above which the function is falling behind."
  type        = number
  default     = 60000

  validation {
    condition     = var.iterator_age_threshold_ms > 0
    error_message = "iterator_age_threshold_ms must be > 0."
  }
}

variable "offset_lag_threshold" {
  description = "MSK / Kafka mappings: OffsetLag (records not yet processed) above which the function is falling behind."
  type        = number
  default     = 10000

  validation {
    condition     = var.offset_lag_threshold > 0
    error_message = "offset_lag_threshold must be > 0."
  }
}

variable "dead_letter_threshold" {
  description = "Readings sent to the Kafka dead-letter topic in one period above which the dead-letter alarm fires (0: any)."
  type        = number
  default     = 0

  validation {
    condition     = var.dead_letter_threshold >= 0
    error_message = "dead_letter_threshold must be >= 0."
  }
}

variable "failed_batch_runs_threshold" {
  description = "Failed batch-score shard runs in one period above which the batch-failure alarm fires (0: any)."
  type        = number
  default     = 0

  validation {
    condition     = var.failed_batch_runs_threshold >= 0
    error_message = "failed_batch_runs_threshold must be >= 0."
  }
}

variable "tags" {
  description = "Tags for the alarms."
  type        = map(string)
  default     = {}
}
