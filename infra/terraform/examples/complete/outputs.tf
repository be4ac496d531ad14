output "http_predict_endpoint" {
  description = "Base URL of http-predict: the HTTP API (JWT or SigV4 on every route, per http_auth_mode) or, with function_url_iam, the function URL (SigV4)."
  value       = module.http_api.endpoint_url
}

output "http_api_id" {
  description = "Id of the http-predict HTTP API (null with http_auth_mode function_url_iam)."
  value       = module.http_api.api_id
}

output "event_queue_url" {
  description = "Queue producers send scoring events to."
  value       = module.event_queue.queue_url
}

output "event_dlq_url" {
  description = "Dead-letter queue of event-score."
  value       = module.event_queue.dlq_url
}

output "batch_schedule_names" {
  description = "batch-score schedules, one per shard."
  value       = module.batch_schedule.schedule_names
}

output "batch_dlq_arn" {
  description = "Dead-letter queue of batch-score invocations that failed after retries."
  value       = module.batch_schedule.dlq_arn
}

output "function_alias_arns" {
  description = "live alias ARN of each function."
  value = {
    http-predict = module.http_predict.alias_arn
    event-score  = module.event_score.alias_arn
    batch-score  = module.batch_score.alias_arn
  }
}

output "function_versions" {
  description = "Version each live alias points at after this apply (note them for rollbacks)."
  value = {
    http-predict = module.http_predict.function_version
    event-score  = module.event_score.function_version
    batch-score  = module.batch_score.function_version
  }
}

output "model_uris" {
  description = "Model prefix each function serves."
  value       = local.model_uris
}

output "models_uri_prefix" {
  description = "Where to publish model versions: <prefix><name>/<version>/."
  value       = module.model_registry.models_uri_prefix
}

output "model_bucket_name" {
  description = "Model registry bucket."
  value       = module.model_registry.bucket_name
}

output "redis_url" {
  description = "rediss:// URL of the feature store primary (no token)."
  value       = module.feature_store.url
}

output "alarm_names" {
  description = "The CloudWatch alarms by kind (modules/observability's alarm_names)."
  value       = module.observability.alarm_names
}

output "dashboard_name" {
  description = "The CloudWatch dashboard's name (null when dashboard_enabled is false)."
  value       = module.observability.dashboard_name
}

output "spark_application_id" {
  description = "EMR Serverless application of the Spark path (null without spark_job)."
  value       = var.spark_job == null ? null : module.spark_job[0].application_id
}

output "spark_job_role_arn" {
  description = "Execution role of the Spark job runs (null without spark_job)."
  value       = var.spark_job == null ? null : module.spark_job[0].job_role_arn
}

output "spark_schedule_arn" {
  description = "EventBridge Scheduler schedule starting the Spark job (null without spark_job)."
  value       = var.spark_job == null ? null : module.spark_job[0].schedule_arn
}

output "spark_start_job_run_request" {
  description = "The StartJobRun request the Spark schedule sends (JSON), the template of a manual rerun (null without spark_job)."
  value       = var.spark_job == null ? null : module.spark_job[0].start_job_run_request
}
