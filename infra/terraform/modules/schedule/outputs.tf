output "schedule_names" {
  description = "Names of the schedules, one per shard, in shard order."
  value       = module.scheduler.schedules[*].name
}

output "schedule_arns" {
  description = "ARNs of the schedules, one per shard, in shard order."
  value       = module.scheduler.schedules[*].arn
}

output "payloads" {
  description = "The batch-score payload each shard's invocation carries (runId is filled in by Scheduler at run time)."
  value       = local.payloads
}

output "dlq_arn" {
  description = "ARN of the DLQ receiving invocations that failed after all retries."
  value       = module.scheduler.dlq[0].arn
}

output "dlq_url" {
  description = "URL of that DLQ."
  value       = module.scheduler.dlq[0].url
}

output "role_arn" {
  description = "ARN of the scheduler execution role."
  value       = module.scheduler.role.arn
}

output "policy_json" {
  description = "The scheduler role's inline policy (JSON), for review and policy tests."
  value       = module.scheduler.policy_json
}

output "dlq_name" {
  description = "Name of that DLQ (for alarms on its depth and age)."
  value       = module.scheduler.dlq[0].name
}

output "schedule_states" {
  description = "State of each schedule (ENABLED or DISABLED), in shard order."
  value       = module.scheduler.schedules[*].state
}
