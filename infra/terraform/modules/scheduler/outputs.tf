output "schedules" {
  description = "The schedules, in the order of var.schedules (whole resources, for the callers' outputs and tests)."
  value       = aws_scheduler_schedule.this
}

output "dlq" {
  description = "The DLQ: a list of one queue, or empty with dlq_enabled = false."
  value       = aws_sqs_queue.dlq
}

output "role" {
  description = "The scheduler role."
  value       = aws_iam_role.scheduler
}

output "policy_json" {
  description = "The scheduler role's inline policy (JSON)."
  value       = aws_iam_role_policy.scheduler.policy
}
