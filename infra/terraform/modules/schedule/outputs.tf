output "schedule_names" {
  description = "Names of the schedules, one per shard, in shard order."
  value       = aws_scheduler_schedule.shard[*].name
}

output "schedule_arns" {
  description = "ARNs of the schedules, one per shard, in shard order."
  value       = aws_scheduler_schedule.shard[*].arn
}

output "payloads" {
  description = "The batch-score payload each shard's invocation carries (runId is filled in by Scheduler at run time)."
  value       = local.payloads
}

output "dlq_arn" {
  description = "ARN of the DLQ receiving invocations that failed after all retries."
  value       = aws_sqs_queue.dlq.arn
}

output "dlq_url" {
  description = "URL of that DLQ."
  value       = aws_sqs_queue.dlq.url
}

output "role_arn" {
  description = "ARN of the scheduler execution role."
  value       = aws_iam_role.scheduler.arn
}

output "policy_json" {
  description = "The scheduler role's inline policy (JSON), for review and policy tests."
  value       = aws_iam_role_policy.scheduler.policy
}

output "dlq_name" {
  description = "Name of that DLQ (for alarms on its depth and age)."
  value       = aws_sqs_queue.dlq.name
}

output "schedule_states" {
  description = "State of each schedule (ENABLED or DISABLED), in shard order."
  value       = aws_scheduler_schedule.shard[*].state
}
