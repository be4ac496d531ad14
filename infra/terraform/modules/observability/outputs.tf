output "alarm_names" {
  description = "Every alarm's name, by kind: error_rate and degraded_ratio by function, dlq_depth and dlq_age by queue label, stream_lag by mapping label, dead_letter_topic and batch_failures (lists of at most one)."
  value = {
    error_rate        = { for k, a in aws_cloudwatch_metric_alarm.error_rate : k => a.alarm_name }
    degraded_ratio    = { for k, a in aws_cloudwatch_metric_alarm.degraded_ratio : k => a.alarm_name }
    dlq_depth         = { for k, a in aws_cloudwatch_metric_alarm.dlq_depth : k => a.alarm_name }
    dlq_age           = { for k, a in aws_cloudwatch_metric_alarm.dlq_age : k => a.alarm_name }
    stream_lag        = { for k, a in aws_cloudwatch_metric_alarm.stream_lag : k => a.alarm_name }
    dead_letter_topic = aws_cloudwatch_metric_alarm.dead_letter_topic[*].alarm_name
    batch_failures    = aws_cloudwatch_metric_alarm.batch_failures[*].alarm_name
  }
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard (null when dashboard_enabled is false)."
  value       = var.dashboard_enabled ? aws_cloudwatch_dashboard.this[0].dashboard_name : null
}

output "dashboard_body" {
  description = "The dashboard's JSON body (null when dashboard_enabled is false)."
  value       = var.dashboard_enabled ? aws_cloudwatch_dashboard.this[0].dashboard_body : null
}

output "error_rate_queries" {
  description = "The metric queries' metrics of each error-rate alarm, by function (for tests and reviews)."
  value       = { for k, a in aws_cloudwatch_metric_alarm.error_rate : k => [for q in a.metric_query : q.metric] }
}

output "dead_letter_queues" {
  description = "The dead-letter queues watched, label => queue name."
  value       = var.dead_letter_queues
}

output "thresholds" {
  description = "The thresholds in force."
  value = {
    error_rate_percent             = var.error_rate_threshold_percent
    degraded_ratio                 = var.degraded_ratio_threshold_percent
    dlq_depth                      = var.dlq_depth_threshold
    dlq_oldest_message_age_seconds = var.dlq_oldest_message_age_threshold_seconds
    iterator_age_ms                = var.iterator_age_threshold_ms
    offset_lag                     = var.offset_lag_threshold
  }
}
