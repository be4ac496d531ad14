# JVM builds: runtime, SnapStart, environment, alias, log group. Runs against the mocked AWS
# provider (mock_provider "aws"): nothing is created, no credentials are needed.
mock_provider "aws" {
  override_during = plan

  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:eu-central-1:123456789012:log-group:/aws/lambda/http-predict" }
  }
  mock_resource "aws_lambda_function" {
    defaults = {
      arn     = "arn:aws:lambda:eu-central-1:123456789012:function:http-predict"
      version = "7"
    }
  }
  mock_resource "aws_lambda_alias" {
    defaults = { arn = "arn:aws:lambda:eu-central-1:123456789012:function:http-predict:live" }
  }
}

variables {
  function_name = "http-predict"
  model_uri     = "s3://inferfn-models/models/fraud/2/"
  code_s3 = {
    bucket  = "inferfn-artifacts"
    key     = "http-predict/function.zip"
    version = "3HL4kqtJlcpXroDTDmJ"
  }
}

run "jvm_defaults" {
  command = plan

  assert {
    condition     = aws_lambda_function.this.runtime == "java21"
    error_message = "JVM build must run on java21"
  }
  assert {
    condition     = aws_lambda_function.this.memory_size == 1024 && aws_lambda_function.this.timeout == 10
    error_message = "JVM + SnapStart: default memory 1024 MB and timeout 10 s expected"
  }
  assert {
    condition     = output.memory_size == 1024
    error_message = "memory_size output must carry the chosen memory"
  }
  assert {
    condition     = aws_lambda_function.this.handler == "io.quarkus.amazon.lambda.runtime.QuarkusStreamHandler::handleRequest"
    error_message = "JVM handler must be Quarkus' stream handler"
  }
  assert {
    condition     = length(aws_lambda_function.this.snap_start) == 1 && aws_lambda_function.this.snap_start[0].apply_on == "PublishedVersions"
    error_message = "JVM build must have SnapStart on published versions"
  }
  assert {
    condition     = aws_lambda_function.this.publish == true
    error_message = "every change must publish a version (SnapStart and the alias need it)"
  }
  assert {
    condition     = aws_lambda_function.this.reserved_concurrent_executions == -1
    error_message = "default is unreserved concurrency"
  }
  assert {
    condition     = aws_lambda_function.this.architectures == tolist(["arm64"])
    error_message = "default architecture is arm64"
  }
  assert {
    condition     = length(aws_lambda_provisioned_concurrency_config.live) == 0 && length(aws_appautoscaling_target.live) == 0
    error_message = "no provisioned concurrency by default"
  }
  assert {
    condition     = length(aws_lambda_function.this.vpc_config) == 0
    error_message = "no VPC config unless subnets and security groups are given"
  }
}

run "jvm_environment" {
  command = plan

  variables {
    redis_hosts                 = "rediss://master.inferfn.abc123.euc1.cache.amazonaws.com:6379"
    redis_auth_token_secret_arn = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:inferfn/redis-auth-AbCdEf"
    environment                 = { QUARKUS_LOG_LEVEL = "INFO" }
  }

  assert {
    condition = aws_lambda_function.this.environment[0].variables == tomap({
      INFERFN_MODEL_LOCATIONS       = "s3://inferfn-models/models/fraud/2/"
      INFERFN_FEATURE_STORE_TIMEOUT = "25ms"
      QUARKUS_REDIS_HOSTS           = "rediss://master.inferfn.abc123.euc1.cache.amazonaws.com:6379"
      INFERFN_SECRETS_PROPERTIES    = "quarkus.redis.password=arn:aws:secretsmanager:eu-central-1:123456789012:secret:inferfn/redis-auth-AbCdEf"
      JAVA_TOOL_OPTIONS             = "-XX:+TieredCompilation -XX:TieredStopAtLevel=1"
      QUARKUS_LOG_LEVEL             = "INFO"
    })
    error_message = "JVM environment must carry model URI, Redis, the secret's ARN (not the token), budget, C1 JAVA_TOOL_OPTIONS and the extra map"
  }
  assert {
    condition     = !contains(keys(nonsensitive(aws_lambda_function.this.environment[0].variables)), "DISABLE_SIGNAL_HANDLERS")
    error_message = "DISABLE_SIGNAL_HANDLERS is for native builds only"
  }
}

run "no_redis_leaves_redis_unset" {
  command = plan

  assert {
    condition     = !contains(keys(aws_lambda_function.this.environment[0].variables), "QUARKUS_REDIS_HOSTS") && !contains(keys(aws_lambda_function.this.environment[0].variables), "INFERFN_SECRETS_PROPERTIES")
    error_message = "without redis_hosts/redis_auth_token_secret_arn no Redis variables are exported"
  }
}

run "code_from_s3" {
  command = plan

  assert {
    condition     = aws_lambda_function.this.s3_bucket == "inferfn-artifacts" && aws_lambda_function.this.s3_key == "http-predict/function.zip" && aws_lambda_function.this.s3_object_version == "3HL4kqtJlcpXroDTDmJ"
    error_message = "S3 code location must be passed through"
  }
  assert {
    condition     = aws_lambda_function.this.filename == null
    error_message = "no local file in S3 mode"
  }
}

run "code_from_local_zip" {
  command = plan

  variables {
    code_s3       = null
    code_zip_path = "tests/fixtures/function.zip"
  }

  assert {
    condition     = aws_lambda_function.this.filename == "tests/fixtures/function.zip" && aws_lambda_function.this.s3_bucket == null
    error_message = "local zip mode must set filename only"
  }
  assert {
    condition     = aws_lambda_function.this.source_code_hash == filebase64sha256("tests/fixtures/function.zip")
    error_message = "source_code_hash must be the zip's base64 SHA-256"
  }
}

run "missing_zip_still_plans" {
  command = plan

  variables {
    code_s3       = null
    code_zip_path = "tests/fixtures/not-built-yet.zip"
  }

  # The check block warns (the zip must exist before apply) but the plan succeeds.
  expect_failures = [check.code_zip_exists]

  assert {
    condition     = aws_lambda_function.this.filename == "tests/fixtures/not-built-yet.zip"
    error_message = "plan must not need the zip"
  }
}

run "alias_and_logs" {
  command = plan

  variables {
    log_retention_days = 90
  }

  assert {
    condition     = aws_lambda_alias.live.name == "live" && aws_lambda_alias.live.function_version == aws_lambda_function.this.version
    error_message = "alias live must point at the published version"
  }
  assert {
    condition     = aws_cloudwatch_log_group.this.name == "/aws/lambda/http-predict" && aws_cloudwatch_log_group.this.retention_in_days == 90
    error_message = "log group /aws/lambda/<name> with the configured retention expected"
  }
  assert {
    condition     = output.alias_arn == "arn:aws:lambda:eu-central-1:123456789012:function:http-predict:live"
    error_message = "alias_arn output must be the alias ARN"
  }
}

run "provisioned_concurrency_without_snapstart" {
  command = plan

  variables {
    snap_start              = false
    provisioned_concurrency = { min_capacity = 2, max_capacity = 20 }
  }

  assert {
    condition     = length(aws_lambda_function.this.snap_start) == 0
    error_message = "snap_start = false must drop SnapStart"
  }
  assert {
    condition     = aws_lambda_function.this.memory_size == 1769
    error_message = "JVM without SnapStart (provisioned concurrency) must default to 1769 MB, one full vCPU"
  }
  assert {
    condition     = aws_lambda_provisioned_concurrency_config.live[0].qualifier == "live" && aws_lambda_provisioned_concurrency_config.live[0].provisioned_concurrent_executions == 2
    error_message = "provisioned concurrency must be on the live alias, starting at min_capacity"
  }
  assert {
    condition     = aws_appautoscaling_target.live[0].min_capacity == 2 && aws_appautoscaling_target.live[0].max_capacity == 20 && aws_appautoscaling_target.live[0].resource_id == "function:http-predict:live"
    error_message = "autoscaling target must span min..max on function:<name>:live"
  }
  assert {
    condition = (
      aws_appautoscaling_policy.live[0].target_tracking_scaling_policy_configuration[0].target_value == 0.7 &&
      aws_appautoscaling_policy.live[0].target_tracking_scaling_policy_configuration[0].predefined_metric_specification[0].predefined_metric_type == "LambdaProvisionedConcurrencyUtilization"
    )
    error_message = "target tracking on LambdaProvisionedConcurrencyUtilization at 0.7 expected"
  }
}

# Default memory follows the build (see README "Memory"); an explicit memory_size always wins.
run "jvm_without_snapstart_defaults_to_one_vcpu" {
  command = plan

  variables {
    snap_start = false
  }

  assert {
    condition     = length(aws_lambda_function.this.snap_start) == 0 && aws_lambda_function.this.memory_size == 1769
    error_message = "JVM without SnapStart must default to 1769 MB (one vCPU: 1,501 ms to first prediction vs 2,853 ms at 1024 MB)"
  }
}

run "explicit_memory_wins_with_snapstart" {
  command = plan

  variables {
    memory_size = 2048
  }

  assert {
    condition     = aws_lambda_function.this.memory_size == 2048 && length(aws_lambda_function.this.snap_start) == 1
    error_message = "an explicit memory_size must win over the JVM + SnapStart default (1024)"
  }
}

run "explicit_memory_wins_without_snapstart" {
  command = plan

  variables {
    snap_start  = false
    memory_size = 1024
  }

  assert {
    condition     = aws_lambda_function.this.memory_size == 1024 && output.memory_size == 1024
    error_message = "an explicit memory_size must win over the JVM-without-SnapStart default (1769)"
  }
}

run "explicit_null_memory_uses_the_default" {
  command = plan

  variables {
    memory_size = null
  }

  assert {
    condition     = aws_lambda_function.this.memory_size == 1024
    error_message = "memory_size = null must pass validation and fall back to the default for the build"
  }
}
