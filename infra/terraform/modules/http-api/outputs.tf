output "endpoint_url" {
  description = "Base URL callers use: the HTTP API's $default stage URL, or the function URL in function_url_iam mode."
  value       = local.api_enabled ? aws_apigatewayv2_stage.default[0].invoke_url : aws_lambda_function_url.this[0].function_url
}

output "api_id" {
  description = "Id of the HTTP API (null in function_url_iam mode)."
  value       = local.api_enabled ? aws_apigatewayv2_api.this[0].id : null
}

output "api_execution_arn" {
  description = "Execution ARN of the HTTP API, the prefix of the ARNs IAM callers are granted execute-api:Invoke on (null in function_url_iam mode)."
  value       = local.api_enabled ? aws_apigatewayv2_api.this[0].execution_arn : null
}

output "authorizer_id" {
  description = "Id of the JWT authorizer (null unless auth_mode is jwt)."
  value       = local.jwt_enabled ? aws_apigatewayv2_authorizer.jwt[0].id : null
}

output "route_authorization" {
  description = "Map route key -> authorization type, for review."
  value       = { for k, r in aws_apigatewayv2_route.this : k => r.authorization_type }
}

output "access_log_group_name" {
  description = "CloudWatch log group receiving the API's access logs (null in function_url_iam mode)."
  value       = local.api_enabled ? aws_cloudwatch_log_group.access[0].name : null
}

output "function_url" {
  description = "The function URL (null unless auth_mode is function_url_iam)."
  value       = local.url_enabled ? aws_lambda_function_url.this[0].function_url : null
}
