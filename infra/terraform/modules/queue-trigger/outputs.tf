output "queue_url" {
  description = "URL of the input queue (producers send here)."
  value       = aws_sqs_queue.this.url
}

output "queue_arn" {
  description = "ARN of the input queue."
  value       = aws_sqs_queue.this.arn
}

output "dlq_url" {
  description = "URL of the dead-letter queue (messages failed max_receive_count times)."
  value       = aws_sqs_queue.dlq.url
}

output "dlq_arn" {
  description = "ARN of the dead-letter queue."
  value       = aws_sqs_queue.dlq.arn
}

output "visibility_timeout_seconds" {
  description = "Visibility timeout applied to the input queue."
  value       = aws_sqs_queue.this.visibility_timeout_seconds
}

output "event_source_mapping_uuid" {
  description = "UUID of the SQS event source mapping."
  value       = aws_lambda_event_source_mapping.sqs.uuid
}

output "msk_event_source_mapping_uuid" {
  description = "UUID of the MSK event source mapping (null without msk)."
  value       = var.msk == null ? null : aws_lambda_event_source_mapping.msk[0].uuid
}

output "kinesis_event_source_mapping_uuid" {
  description = "UUID of the Kinesis event source mapping (null without kinesis)."
  value       = var.kinesis == null ? null : aws_lambda_event_source_mapping.kinesis[0].uuid
}

output "kinesis_consumer_arn" {
  description = "ARN of the enhanced fan-out consumer the Kinesis mapping reads through (null without enhanced_fan_out)."
  value       = local.kinesis_efo ? aws_kinesis_stream_consumer.this[0].arn : null
}

output "policy_name" {
  description = "Name of the inline policy attached to the function's role."
  value       = aws_iam_role_policy.consume.name
}

output "policy_json" {
  description = "The inline policy attached to the function's role (JSON), for review and policy tests."
  value       = aws_iam_role_policy.consume.policy
}

output "function_response_types" {
  description = "Response types of the SQS mapping (ReportBatchItemFailures: only failed messages are retried)."
  value       = aws_lambda_event_source_mapping.sqs.function_response_types
}

output "dlq_name" {
  description = "Name of the dead-letter queue (for alarms on its depth and age)."
  value       = aws_sqs_queue.dlq.name
}
