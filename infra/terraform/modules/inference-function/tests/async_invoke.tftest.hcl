# Asynchronous invocation settings (retries, event age, on-failure destination) and secrets passed through the
# environment map. Mocked AWS provider (mock_provider "aws").
mock_provider "aws" {
  override_during = plan

  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:eu-central-1:123456789012:log-group:/aws/lambda/batch-score" }
  }
  mock_resource "aws_lambda_function" {
    defaults = {
      arn     = "arn:aws:lambda:eu-central-1:123456789012:function:batch-score"
      version = "4"
    }
  }
  mock_resource "aws_lambda_alias" {
    defaults = { arn = "arn:aws:lambda:eu-central-1:123456789012:function:batch-score:live" }
  }
}

variables {
  function_name = "batch-score"
  model_uri     = "s3://inferfn-models/models/churn/2/"
  code_s3       = { bucket = "inferfn-artifacts", key = "batch-score/function.zip" }
  timeout       = 900
}

run "no_async_config_by_default" {
  command = plan

  assert {
    condition     = length(aws_lambda_function_event_invoke_config.live) == 0 && output.async_invoke == null
    error_message = "without async_invoke the module must not manage an event invoke config (Lambda's defaults apply)"
  }
  assert {
    condition     = !contains([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s.Sid], "AsyncOnFailureDestination")
    error_message = "no destination permission without a destination"
  }
}

run "no_retries_with_on_failure_destination" {
  command = plan

  variables {
    async_invoke = {
      maximum_retry_attempts       = 0
      maximum_event_age_in_seconds = 3600
      on_failure_destination_arn   = "arn:aws:sqs:eu-central-1:123456789012:batch-score-dlq"
    }
  }

  assert {
    condition     = length(aws_lambda_function_event_invoke_config.live) == 1 && aws_lambda_function_event_invoke_config.live[0].qualifier == "live"
    error_message = "one event invoke config, on the live alias (the triggers invoke the alias)"
  }
  assert {
    condition     = aws_lambda_function_event_invoke_config.live[0].function_name == "batch-score"
    error_message = "the config must belong to this function"
  }
  assert {
    condition     = aws_lambda_function_event_invoke_config.live[0].maximum_retry_attempts == 0 && aws_lambda_function_event_invoke_config.live[0].maximum_event_age_in_seconds == 3600
    error_message = "retries 0 and event age 3600 s expected"
  }
  assert {
    condition     = aws_lambda_function_event_invoke_config.live[0].destination_config[0].on_failure[0].destination == "arn:aws:sqs:eu-central-1:123456789012:batch-score-dlq"
    error_message = "given-up events must go to the on-failure destination"
  }
  assert {
    condition = output.async_invoke == {
      maximum_retry_attempts       = 0
      maximum_event_age_in_seconds = 3600
      on_failure_destination_arn   = "arn:aws:sqs:eu-central-1:123456789012:batch-score-dlq"
    }
    error_message = "async_invoke output must report the planned settings"
  }
  assert {
    condition = one([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s if s.Sid == "AsyncOnFailureDestination"]) == {
      Sid = "AsyncOnFailureDestination", Effect = "Allow", Action = ["sqs:SendMessage"], Resource = ["arn:aws:sqs:eu-central-1:123456789012:batch-score-dlq"]
    }
    error_message = "the role may send to that one queue only"
  }
  assert {
    condition = alltrue([for s in jsondecode(aws_iam_role_policy.this.policy).Statement :
      !contains(flatten([s.Resource]), "*") && alltrue([for a in flatten([s.Action]) : a != "*" && !endswith(a, ":*")])
    ])
    error_message = "no wildcard action or resource without VPC"
  }
}

run "retries_without_destination" {
  command = plan

  variables {
    async_invoke = { maximum_retry_attempts = 1 }
  }

  assert {
    condition     = aws_lambda_function_event_invoke_config.live[0].maximum_retry_attempts == 1 && length(aws_lambda_function_event_invoke_config.live[0].destination_config) == 0
    error_message = "one retry and no destination block expected"
  }
  assert {
    condition     = output.async_invoke.on_failure_destination_arn == null
    error_message = "no destination reported"
  }
  assert {
    condition     = length(jsondecode(aws_iam_role_policy.this.policy).Statement) == 2
    error_message = "no extra statement without a destination"
  }
}

# Secrets are refused in the environment map (secrets.tftest.hcl); a value the caller marks sensitive stays so.
run "sensitive_value_in_environment_stays_sensitive" {
  command = plan

  variables {
    environment = {
      QUARKUS_DATASOURCE_JDBC_URL = "jdbc:postgresql://db.internal:5432/inferfn"
      QUARKUS_DATASOURCE_USERNAME = "inferfn"
      INFERFN_EVENT_ALERTS_TOPIC  = sensitive("alerts-internal")
    }
  }

  assert {
    condition     = aws_lambda_function.this.environment[0].variables["QUARKUS_DATASOURCE_JDBC_URL"] == "jdbc:postgresql://db.internal:5432/inferfn"
    error_message = "datasource keys are not managed by the module and must pass through the environment map"
  }
  assert {
    condition     = issensitive(aws_lambda_function.this.environment[0].variables["INFERFN_EVENT_ALERTS_TOPIC"])
    error_message = "a sensitive value passed in the environment map must stay sensitive"
  }
  assert {
    condition     = output.environment["QUARKUS_DATASOURCE_USERNAME"] == "inferfn" && output.environment["INFERFN_MODEL_LOCATIONS"] == "s3://inferfn-models/models/churn/2/"
    error_message = "environment output must carry managed and extra variables"
  }
}

run "rejects_more_than_two_async_retries" {
  command = plan
  variables {
    async_invoke = { maximum_retry_attempts = 3 }
  }
  expect_failures = [var.async_invoke]
}

run "rejects_async_event_age_above_six_hours" {
  command = plan
  variables {
    async_invoke = { maximum_retry_attempts = 0, maximum_event_age_in_seconds = 21601 }
  }
  expect_failures = [var.async_invoke]
}

run "rejects_non_sqs_destination" {
  command = plan
  variables {
    async_invoke = { maximum_retry_attempts = 0, on_failure_destination_arn = "arn:aws:sns:eu-central-1:123456789012:alerts" }
  }
  expect_failures = [var.async_invoke]
}
