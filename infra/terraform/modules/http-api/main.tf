locals {
  api_enabled = var.auth_mode != "function_url_iam"
  url_enabled = var.auth_mode == "function_url_iam"
  jwt_enabled = var.auth_mode == "jwt"

  route_auth_type = local.jwt_enabled ? "JWT" : "AWS_IAM"
  routes          = local.api_enabled ? toset(var.routes) : toset([])
}

# --- HTTP API (auth_mode jwt | iam) --------------------------------------------------------------

resource "aws_apigatewayv2_api" "this" {
  count = local.api_enabled ? 1 : 0

  name          = var.name
  protocol_type = "HTTP"
  description   = "inferfn ${var.function_name} (${var.auth_mode} auth on every route)"
  tags          = var.tags

  lifecycle {
    precondition {
      condition     = length(setsubtract(var.public_routes, var.routes)) == 0
      error_message = "public_routes must be a subset of routes."
    }
  }
}

resource "aws_apigatewayv2_authorizer" "jwt" {
  count = local.jwt_enabled ? 1 : 0

  api_id           = aws_apigatewayv2_api.this[0].id
  name             = "${var.name}-jwt"
  authorizer_type  = "JWT"
  identity_sources = ["$request.header.Authorization"]

  jwt_configuration {
    issuer   = var.jwt_issuer
    audience = var.jwt_audience
  }

  lifecycle {
    precondition {
      condition     = var.jwt_issuer != null && length(var.jwt_audience) > 0
      error_message = "auth_mode \"jwt\" needs jwt_issuer and at least one jwt_audience."
    }
  }
}

resource "aws_apigatewayv2_integration" "lambda" {
  count = local.api_enabled ? 1 : 0

  api_id                 = aws_apigatewayv2_api.this[0].id
  integration_type       = "AWS_PROXY"
  integration_method     = "POST"
  integration_uri        = var.function_alias_arn
  payload_format_version = "2.0"
  timeout_milliseconds   = var.integration_timeout_milliseconds
}

resource "aws_apigatewayv2_route" "this" {
  for_each = local.routes

  api_id    = aws_apigatewayv2_api.this[0].id
  route_key = each.value
  target    = "integrations/${aws_apigatewayv2_integration.lambda[0].id}"

  authorization_type   = contains(var.public_routes, each.value) ? "NONE" : local.route_auth_type
  authorizer_id        = local.jwt_enabled && !contains(var.public_routes, each.value) ? aws_apigatewayv2_authorizer.jwt[0].id : null
  authorization_scopes = local.jwt_enabled && !contains(var.public_routes, each.value) && length(var.jwt_authorization_scopes) > 0 ? var.jwt_authorization_scopes : null
}

resource "aws_cloudwatch_log_group" "access" {
  count = local.api_enabled ? 1 : 0

  name              = "/aws/apigateway/${var.name}"
  retention_in_days = var.access_log_retention_days
  tags              = var.tags
}

resource "aws_apigatewayv2_stage" "default" {
  count = local.api_enabled ? 1 : 0

  api_id      = aws_apigatewayv2_api.this[0].id
  name        = "$default"
  auto_deploy = true

  default_route_settings {
    throttling_burst_limit = var.throttling_burst_limit
    throttling_rate_limit  = var.throttling_rate_limit
  }

  access_log_settings {
    destination_arn = aws_cloudwatch_log_group.access[0].arn
    format = jsonencode({
      requestId          = "$context.requestId"
      requestTime        = "$context.requestTime"
      routeKey           = "$context.routeKey"
      status             = "$context.status"
      responseLatency    = "$context.responseLatency"
      integrationLatency = "$context.integrationLatency"
      integrationStatus  = "$context.integrationStatus"
      integrationError   = "$context.integrationErrorMessage"
      authorizerError    = "$context.authorizer.error"
      principal          = "$context.authorizer.claims.sub"
      sourceIp           = "$context.identity.sourceIp"
      userAgent          = "$context.identity.userAgent"
    })
  }

  tags = var.tags
}

resource "aws_lambda_permission" "api" {
  count = local.api_enabled ? 1 : 0

  statement_id  = "AllowHttpApi-${var.name}"
  action        = "lambda:InvokeFunction"
  function_name = var.function_name
  qualifier     = var.function_alias_name
  principal     = "apigateway.amazonaws.com"
  # This API only: any stage, any of its routes.
  source_arn = "${aws_apigatewayv2_api.this[0].execution_arn}/*/*"
}

# --- Lambda function URL (auth_mode function_url_iam) -------------------------------------------

resource "aws_lambda_function_url" "this" {
  count = local.url_enabled ? 1 : 0

  function_name = var.function_name
  qualifier     = var.function_alias_name
  # Never NONE: callers sign with SigV4 and need lambda:InvokeFunctionUrl on this function.
  authorization_type = "AWS_IAM"

  lifecycle {
    precondition {
      condition     = length(var.public_routes) == 0
      error_message = "public_routes cannot be honoured by a function URL (AWS_IAM applies to every path); remove them or use auth_mode jwt/iam."
    }
  }
}
