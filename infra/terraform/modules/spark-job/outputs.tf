output "application_id" {
  description = "Id of the EMR Serverless application (aws emr-serverless start-job-run --application-id)."
  value       = aws_emrserverless_application.this.id
}

output "application_arn" {
  description = "ARN of the EMR Serverless application."
  value       = aws_emrserverless_application.this.arn
}

output "job_role_arn" {
  description = "ARN of the job execution role (--execution-role-arn of a manual run)."
  value       = aws_iam_role.job.arn
}

output "job_role_name" {
  description = "Name of the job execution role, to attach further policies (e.g. reading a Redis token secret)."
  value       = aws_iam_role.job.name
}

output "job_policy_json" {
  description = "The job role's inline policy (JSON), for review and policy tests."
  value       = aws_iam_role_policy.job.policy
}

output "schedule_arn" {
  description = "ARN of the EventBridge Scheduler schedule starting the job."
  value       = module.scheduler.schedules[0].arn
}

output "schedule_name" {
  description = "Name of that schedule."
  value       = module.scheduler.schedules[0].name
}

output "scheduler_role_arn" {
  description = "ARN of the scheduler's role (StartJobRun on this application, PassRole of the job role)."
  value       = module.scheduler.role.arn
}

output "scheduler_policy_json" {
  description = "The scheduler role's inline policy (JSON), for review and policy tests."
  value       = module.scheduler.policy_json
}

output "start_job_run_request" {
  description = "The StartJobRun request the schedule sends (JSON; <aws.scheduler.*> placeholders are filled in by Scheduler). For a manual run or a rerun, send the same with the run id and a client token of your own."
  value       = local.start_job_run_json
}

output "spark_submit_parameters" {
  description = "The spark-submit parameters of a run (--class and every --conf), e.g. for a spark-submit on another cluster."
  value       = local.spark_submit_parameters
}

output "sink" {
  description = "The job's --sink argument, iceberg:<db>.<table>."
  value       = "iceberg:${var.glue_database_name}.${var.sink_table}"
}

output "glue_database_name" {
  description = "The Glue database holding the predictions table (created by the module or given)."
  value       = var.create_glue_database ? aws_glue_catalog_database.this[0].name : var.glue_database_name
}

output "log_group_name" {
  description = "Log group of the job's driver and executor logs (null with cloudwatch_logs_enabled = false)."
  value       = var.cloudwatch_logs_enabled ? aws_cloudwatch_log_group.this[0].name : null
}

output "dlq_arn" {
  description = "ARN of the DLQ receiving StartJobRun calls that failed after the retries (null with dlq_enabled = false)."
  value       = one(module.scheduler.dlq[*].arn)
}

output "dlq_name" {
  description = "Name of that DLQ, for alarms on its depth and age (null with dlq_enabled = false)."
  value       = one(module.scheduler.dlq[*].name)
}
