# HTTP API / function URL: every route authorized, proxy integration to the alias. Runs against
# the mocked AWS provider (mock_provider "aws"); nothing is created.
mock_provider "aws" {
  override_during = plan

  mock_resource "aws_apigatewayv2_api" {
    defaults = {
      id            = "a1b2c3d4e5"
      execution_arn = "arn:aws:execute-api:eu-central-1:123456789012:a1b2c3d4e5"
      api_endpoint  = "https://a1b2c3d4e5.execute-api.eu-central-1.amazonaws.com"
    }
  }
  mock_resource "aws_apigatewayv2_authorizer" {
    defaults = { id = "auth01" }
  }
  mock_resource "aws_apigatewayv2_integration" {
    defaults = { id = "integ01" }
  }
  mock_resource "aws_apigatewayv2_stage" {
    defaults = { invoke_url = "https://a1b2c3d4e5.execute-api.eu-central-1.amazonaws.com/" }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:eu-central-1:123456789012:log-group:/aws/apigateway/http-predict" }
  }
  mock_resource "aws_lambda_function_url" {
    defaults = { function_url = "https://abcdefghijklmnop.lambda-url.eu-central-1.on.aws/" }
  }
}

variables {
  name               = "http-predict"
  function_name      = "http-predict"
  function_alias_arn = "arn:aws:lambda:eu-central-1:123456789012:function:http-predict:live"
  jwt_issuer         = "https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_AbCdEf"
  jwt_audience       = ["client-1"]
}

run "jwt_on_every_route" {
  command = plan

  assert {
    condition     = toset(keys(aws_apigatewayv2_route.this)) == toset(["POST /predict", "POST /v2/models/{name}/infer", "GET /v2/models/{name}", "GET /v2/health/ready", "GET /v2/health/live"])
    error_message = "the five default routes are expected"
  }
  assert {
    condition     = alltrue([for r in aws_apigatewayv2_route.this : r.authorization_type == "JWT" && r.authorizer_id == "auth01"])
    error_message = "every route must use the JWT authorizer"
  }
  assert {
    condition     = alltrue([for r in aws_apigatewayv2_route.this : r.target == "integrations/integ01"])
    error_message = "every route must target the Lambda integration"
  }
  assert {
    condition     = output.authorizer_id == "auth01" && output.api_id == "a1b2c3d4e5"
    error_message = "api_id and authorizer_id outputs expected"
  }
}

run "jwt_authorizer_configuration" {
  command = plan

  variables {
    jwt_audience = ["client-1", "client-2"]
  }

  assert {
    condition     = aws_apigatewayv2_authorizer.jwt[0].authorizer_type == "JWT" && aws_apigatewayv2_authorizer.jwt[0].identity_sources == toset(["$request.header.Authorization"])
    error_message = "JWT authorizer reading the Authorization header expected"
  }
  assert {
    condition     = aws_apigatewayv2_authorizer.jwt[0].jwt_configuration[0].issuer == var.jwt_issuer && aws_apigatewayv2_authorizer.jwt[0].jwt_configuration[0].audience == toset(["client-1", "client-2"])
    error_message = "issuer and audience must be passed through"
  }
  assert {
    condition     = aws_apigatewayv2_api.this[0].protocol_type == "HTTP"
    error_message = "an HTTP API is expected"
  }
}

run "lambda_proxy_integration_and_permission" {
  command = plan

  assert {
    condition = (
      aws_apigatewayv2_integration.lambda[0].integration_type == "AWS_PROXY" &&
      aws_apigatewayv2_integration.lambda[0].payload_format_version == "2.0" &&
      aws_apigatewayv2_integration.lambda[0].integration_uri == "arn:aws:lambda:eu-central-1:123456789012:function:http-predict:live"
    )
    error_message = "Lambda proxy integration, payload 2.0, to the live alias expected"
  }
  assert {
    condition = (
      aws_lambda_permission.api[0].principal == "apigateway.amazonaws.com" &&
      aws_lambda_permission.api[0].qualifier == "live" &&
      aws_lambda_permission.api[0].source_arn == "arn:aws:execute-api:eu-central-1:123456789012:a1b2c3d4e5/*/*"
    )
    error_message = "invoke permission must be scoped to this API's execution ARN and the alias"
  }
}

run "stage_throttling_and_access_logs" {
  command = plan

  variables {
    throttling_burst_limit = 50
    throttling_rate_limit  = 25
  }

  assert {
    condition     = aws_apigatewayv2_stage.default[0].name == "$default" && aws_apigatewayv2_stage.default[0].auto_deploy
    error_message = "$default stage with auto deploy expected"
  }
  assert {
    condition     = aws_apigatewayv2_stage.default[0].default_route_settings[0].throttling_burst_limit == 50 && aws_apigatewayv2_stage.default[0].default_route_settings[0].throttling_rate_limit == 25
    error_message = "throttling limits must be applied"
  }
  assert {
    condition     = aws_apigatewayv2_stage.default[0].access_log_settings[0].destination_arn == aws_cloudwatch_log_group.access[0].arn && can(jsondecode(aws_apigatewayv2_stage.default[0].access_log_settings[0].format).requestId)
    error_message = "JSON access logs to the module's log group expected"
  }
  assert {
    condition     = output.endpoint_url == "https://a1b2c3d4e5.execute-api.eu-central-1.amazonaws.com/"
    error_message = "endpoint_url must be the stage URL"
  }
}

run "iam_on_every_route" {
  command = plan

  variables {
    auth_mode    = "iam"
    jwt_issuer   = null
    jwt_audience = []
  }

  assert {
    condition     = alltrue([for r in aws_apigatewayv2_route.this : r.authorization_type == "AWS_IAM" && r.authorizer_id == null])
    error_message = "every route must require SigV4 (AWS_IAM)"
  }
  assert {
    condition     = length(aws_apigatewayv2_authorizer.jwt) == 0 && output.authorizer_id == null
    error_message = "no JWT authorizer in iam mode"
  }
}

run "function_url_uses_aws_iam" {
  command = plan

  variables {
    auth_mode = "function_url_iam"
  }

  assert {
    condition     = length(aws_lambda_function_url.this) == 1 && alltrue([for u in aws_lambda_function_url.this : u.authorization_type == "AWS_IAM"])
    error_message = "every function URL must use AWS_IAM"
  }
  assert {
    condition     = aws_lambda_function_url.this[0].qualifier == "live"
    error_message = "the function URL must serve the live alias"
  }
  assert {
    condition     = length(aws_apigatewayv2_api.this) == 0 && length(aws_apigatewayv2_route.this) == 0 && output.api_id == null
    error_message = "no API Gateway in function_url_iam mode"
  }
  assert {
    condition     = output.endpoint_url == "https://abcdefghijklmnop.lambda-url.eu-central-1.on.aws/"
    error_message = "endpoint_url must be the function URL"
  }
}

run "public_health_probes_only_when_asked" {
  command = plan

  variables {
    public_routes = ["GET /v2/health/ready", "GET /v2/health/live"]
  }

  assert {
    condition     = alltrue([for k, r in aws_apigatewayv2_route.this : r.authorization_type == (startswith(k, "GET /v2/health/") ? "NONE" : "JWT")])
    error_message = "only the listed health probes may be unauthenticated"
  }
}

run "rejects_auth_mode_none" {
  command = plan
  variables {
    auth_mode = "none"
  }
  expect_failures = [var.auth_mode]
}

run "rejects_public_non_health_route" {
  command = plan
  variables {
    public_routes = ["POST /predict"]
  }
  expect_failures = [var.public_routes]
}

run "rejects_jwt_without_issuer" {
  command = plan
  variables {
    jwt_issuer = null
  }
  expect_failures = [aws_apigatewayv2_authorizer.jwt]
}

run "rejects_http_issuer" {
  command = plan
  variables {
    jwt_issuer = "http://issuer.example.com"
  }
  expect_failures = [var.jwt_issuer]
}

run "rejects_unqualified_function_arn" {
  command = plan
  variables {
    function_alias_arn = "arn:aws:lambda:eu-central-1:123456789012:function:http-predict"
  }
  expect_failures = [var.function_alias_arn]
}
