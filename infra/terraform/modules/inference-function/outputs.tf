output "function_name" {
  description = "Name of the Lambda function."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "Unqualified ARN of the Lambda function."
  value       = aws_lambda_function.this.arn
}

output "function_version" {
  description = "Version published by the last apply (the one the live alias points at)."
  value       = aws_lambda_function.this.version
}

output "runtime" {
  description = "Lambda runtime chosen from build_kind (java21 or provided.al2023)."
  value       = aws_lambda_function.this.runtime
}

output "alias_name" {
  description = "Name of the alias serving traffic (live). Triggers target this alias, never $LATEST."
  value       = aws_lambda_alias.live.name
}

output "alias_arn" {
  description = "ARN of the live alias: give this to triggers (API integration, event source mapping, schedule target)."
  value       = aws_lambda_alias.live.arn
}

output "alias_invoke_arn" {
  description = "API Gateway invoke ARN of the live alias."
  value       = aws_lambda_alias.live.invoke_arn
}

output "role_arn" {
  description = "ARN of the function's execution role."
  value       = aws_iam_role.this.arn
}

output "role_name" {
  description = "Name of the function's execution role (triggers attach their own scoped inline policies to it)."
  value       = aws_iam_role.this.name
}

output "log_group_name" {
  description = "CloudWatch log group of the function (/aws/lambda/<name>)."
  value       = aws_cloudwatch_log_group.this.name
}

output "model_prefix_arn" {
  description = "The only S3 ARN pattern the role may read (s3:GetObject)."
  value       = local.model_prefix_arn
}

output "memory_size" {
  description = "Memory of the function in MB: memory_size if set, else the default for the build (JVM + SnapStart 1024, JVM without SnapStart 1769, native 512)."
  value       = aws_lambda_function.this.memory_size
}

output "snap_start_enabled" {
  description = "Whether SnapStart is on (JVM build with snap_start = true)."
  value       = length(aws_lambda_function.this.snap_start) > 0
}

output "role_policy_json" {
  description = "The execution role's inline policy document (JSON), for review and policy tests."
  value       = aws_iam_role_policy.this.policy
}

output "environment" {
  description = "The function's environment variables (module-managed plus the environment map). It holds no secret the module manages (those are read from Secrets Manager; only their ARNs are here), but it is sensitive as a whole because the environment map may carry sensitive values."
  value       = local.environment
  sensitive   = true
}

output "async_invoke" {
  description = "Asynchronous invocation settings of the live alias as planned: maximum_retry_attempts, maximum_event_age_in_seconds, on_failure_destination_arn (null = none); null when async_invoke is not set."
  value = var.async_invoke == null ? null : {
    maximum_retry_attempts       = aws_lambda_function_event_invoke_config.live[0].maximum_retry_attempts
    maximum_event_age_in_seconds = aws_lambda_function_event_invoke_config.live[0].maximum_event_age_in_seconds
    on_failure_destination_arn   = try(aws_lambda_function_event_invoke_config.live[0].destination_config[0].on_failure[0].destination, null)
  }
}

output "secret_arns" {
  description = "The Secrets Manager secrets the function reads at cold start and its role may read (secretsmanager:GetSecretValue on exactly these ARNs); empty when none."
  value       = local.secret_arns
}
