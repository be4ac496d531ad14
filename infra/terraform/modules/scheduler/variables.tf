# The callers (schedule, spark-job) validate what their users give; these carry it through.

variable "name" {
  description = "Base name: the DLQ is <name>-dlq, the role <name>-scheduler."
  type        = string
}

variable "account_id" {
  description = "The account whose EventBridge Scheduler may assume the role (aws:SourceAccount)."
  type        = string
}

variable "role_description" {
  description = "Description of the scheduler role: what it may do."
  type        = string
}

variable "policy_name" {
  description = "Name of the role's inline policy."
  type        = string
}

variable "target_arn" {
  description = "What every schedule calls: a Lambda alias ARN or a universal target (arn:<partition>:scheduler:::aws-sdk:<service>:<action>)."
  type        = string
}

variable "target_statements" {
  description = "The policy statements (Allow) that let the role call the target, in order; the DeadLetter statement follows when dlq_enabled."
  type = list(object({
    sid       = string
    actions   = list(string)
    resources = list(string)
    condition = optional(map(map(string)))
  }))
}

variable "schedules" {
  description = "One schedule each, in order: its name, description and the input it sends the target (JSON)."
  type = list(object({
    name        = string
    description = string
    input       = string
  }))
}

variable "schedule_expression" {
  description = "When the schedules fire: cron(...), rate(...) or at(...) in EventBridge Scheduler syntax."
  type        = string
}

variable "timezone" {
  description = "IANA time zone the expression is evaluated in."
  type        = string
}

variable "enabled" {
  description = "Whether the schedules are ENABLED (true) or DISABLED (false)."
  type        = bool
}

variable "maximum_retry_attempts" {
  description = "Retries of a failed call of the target before the event goes to the DLQ (0-185)."
  type        = number
}

variable "maximum_event_age_in_seconds" {
  description = "Age after which an undelivered event goes to the DLQ (60-86400 s)."
  type        = number
}

variable "dlq_enabled" {
  description = "Create an encrypted SQS DLQ (<name>-dlq, 14 days) for calls that failed after the retries."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags for the resources that support them."
  type        = map(string)
  default     = {}
}
