data "aws_partition" "current" {}

locals {
  jvm        = var.build_kind == "jvm"
  snap_start = local.jvm && var.snap_start

  # Default memory when memory_size is null, from ./inferfn bench coldstart --set lambda (cgroup CPU
  # quota emulating Lambda's memory-proportional CPU on a 2-core machine; median time to first
  # prediction: 6,187 ms at 512 MB, 2,853 ms at 1,024 MB, 1,501 ms at 1,769 MB = one vCPU).
  # - JVM + SnapStart: 1024. Init runs once per published version, not per cold start; a warm
  #   prediction is ~1 ms of CPU.
  # - JVM without SnapStart (e.g. provisioned concurrency): 1769, one full vCPU. Below it the
  #   cold start grows as 1/CPU; above it the gain flattens (1,198 ms at 3,008 MB for 1.7x the price).
  # - native: 512.
  # An explicit memory_size always wins.
  memory_size = var.memory_size != null ? var.memory_size : (
    !local.jvm ? 512 : (local.snap_start ? 1024 : 1769)
  )

  code_from_zip = var.code_zip_path != null
  code_from_s3  = var.code_s3 != null

  # filebase64sha256 fails when the file is missing, so it is only called when the zip exists: a
  # plan without a built zip still works (validate/test); the check below warns, apply would fail.
  source_code_hash = var.source_code_hash != null ? var.source_code_hash : (
    local.code_from_zip && try(fileexists(var.code_zip_path), false) ? filebase64sha256(var.code_zip_path) : null
  )

  # s3://bucket/models/fraud/2/ -> bucket "bucket", key prefix "models/fraud/2/"
  model_bucket     = regex("^s3://([^/]+)/", var.model_uri)[0]
  model_key_prefix = regex("^s3://[^/]+/(.*)$", var.model_uri)[0]
  model_prefix_arn = "arn:${data.aws_partition.current.partition}:s3:::${local.model_bucket}/${local.model_key_prefix}*"
  previous_model_prefix_arns = [for u in var.previous_model_uris :
    "arn:${data.aws_partition.current.partition}:s3:::${replace(u, "s3://", "")}*"
  ]

  # model_sha256 / model_version_id become the location's pins (#sha256=...&version=...): the cold start fails
  # unless model.onnx is exactly the pinned one, whatever the registry's manifest says
  model_pins     = compact([var.model_sha256 == null ? "" : "sha256=${var.model_sha256}", var.model_version_id == null ? "" : "version=${var.model_version_id}"])
  model_location = length(local.model_pins) == 0 ? var.model_uri : "${var.model_uri}#${join("&", local.model_pins)}"

  vpc_enabled = length(var.vpc_subnet_ids) > 0 || length(var.vpc_security_group_ids) > 0

  # Secrets are read by the function at cold start from Secrets Manager (INFERFN_SECRETS_PROPERTIES lists
  # <property>=<secret ARN>[#<JSON key>]); only their ARNs are in the environment. The role may read exactly these
  # secrets (the ARN without a #key suffix).
  # Kafka SASL/SCRAM: the credentials come from an MSK SCRAM secret (JSON {username, password}) into two inferfn.*
  # properties (not kafka.*, so they are no Kafka client properties themselves); the JAAS config refers to them with
  # SmallRye Config expressions, expanded when the function builds its configuration at start. $${ is HCL for a
  # literal ${.
  kafka_sasl = var.kafka_sasl_scram_secret_arn != null
  kafka_sasl_environment = {
    KAFKA_SASL_MECHANISM   = "SCRAM-SHA-512"
    KAFKA_SASL_JAAS_CONFIG = "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"$${inferfn.kafka.sasl.username}\" password=\"$${inferfn.kafka.sasl.password}\";"
  }

  secret_properties = merge(
    var.redis_auth_token_secret_arn == null ? {} : { "quarkus.redis.password" = var.redis_auth_token_secret_arn },
    var.database_password_secret_arn == null ? {} : { "quarkus.datasource.password" = var.database_password_secret_arn },
    local.kafka_sasl ? {
      "inferfn.kafka.sasl.username" = "${var.kafka_sasl_scram_secret_arn}#username"
      "inferfn.kafka.sasl.password" = "${var.kafka_sasl_scram_secret_arn}#password"
    } : {},
  )
  secret_arns = distinct([for ref in values(local.secret_properties) : split("#", ref)[0]])

  managed_environment = merge(
    {
      INFERFN_MODEL_LOCATIONS       = local.model_location
      INFERFN_FEATURE_STORE_TIMEOUT = var.feature_store_timeout
    },
    var.redis_hosts == null ? {} : { QUARKUS_REDIS_HOSTS = var.redis_hosts },
    length(local.secret_properties) == 0 ? {} : {
      INFERFN_SECRETS_PROPERTIES = join(",", [for p in sort(keys(local.secret_properties)) : "${p}=${local.secret_properties[p]}"])
    },
    local.kafka_sasl ? local.kafka_sasl_environment : {},
    local.jvm ? { JAVA_TOOL_OPTIONS = var.java_tool_options } : { DISABLE_SIGNAL_HANDLERS = "true" },
  )

  alias_name = "live"

  environment = merge(local.managed_environment, var.environment)

  async_on_failure_arn = try(var.async_invoke.on_failure_destination_arn, null)
}

resource "aws_cloudwatch_log_group" "this" {
  name              = "/aws/lambda/${var.function_name}"
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

resource "aws_iam_role" "this" {
  name        = "${var.function_name}-exec"
  description = "Execution role of the ${var.function_name} inference function"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "LambdaAssumeRole"
      Effect    = "Allow"
      Principal = { Service = "lambda.amazonaws.com" }
      Action    = "sts:AssumeRole"
    }]
  })
  tags = var.tags
}

resource "aws_iam_role_policy" "this" {
  name = "${var.function_name}-least-privilege"
  role = aws_iam_role.this.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          Sid      = "WriteOwnLogGroup"
          Effect   = "Allow"
          Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
          Resource = ["${aws_cloudwatch_log_group.this.arn}:*"]
        },
        {
          Sid      = "ReadModelPrefix"
          Effect   = "Allow"
          Action   = var.model_version_id == null ? ["s3:GetObject"] : ["s3:GetObject", "s3:GetObjectVersion"]
          Resource = distinct(concat([local.model_prefix_arn], local.previous_model_prefix_arns))
        },
      ],
      var.model_kms_key_arn == null ? [] : [{
        Sid      = "DecryptModelRegistry"
        Effect   = "Allow"
        Action   = ["kms:Decrypt"]
        Resource = [var.model_kms_key_arn]
      }],
      # The function reads its secrets (Redis AUTH token, database password, Kafka SCRAM credentials) at cold start:
      # these secrets only.
      length(local.secret_arns) == 0 ? [] : [{
        Sid      = "ReadOwnSecrets"
        Effect   = "Allow"
        Action   = ["secretsmanager:GetSecretValue"]
        Resource = local.secret_arns
      }],
      var.secrets_kms_key_arn == null || length(local.secret_arns) == 0 ? [] : [{
        Sid      = "DecryptOwnSecrets"
        Effect   = "Allow"
        Action   = ["kms:Decrypt"]
        Resource = [var.secrets_kms_key_arn]
      }],
      # Lambda sends the on-failure record of an asynchronous invocation with the execution role.
      local.async_on_failure_arn == null ? [] : [{
        Sid      = "AsyncOnFailureDestination"
        Effect   = "Allow"
        Action   = ["sqs:SendMessage"]
        Resource = [local.async_on_failure_arn]
      }],
      # AWS requires Resource "*": the ec2 network-interface actions Lambda uses to attach the
      # function to the VPC do not support resource-level permissions (same actions as the managed
      # policy AWSLambdaVPCAccessExecutionRole). This is the one documented wildcard exception.
      local.vpc_enabled ? [{
        Sid    = "VpcNetworkInterfacesAwsRequiresWildcard"
        Effect = "Allow"
        Action = [
          "ec2:CreateNetworkInterface",
          "ec2:DescribeNetworkInterfaces",
          "ec2:DescribeSubnets",
          "ec2:DeleteNetworkInterface",
          "ec2:AssignPrivateIpAddresses",
          "ec2:UnassignPrivateIpAddresses",
        ]
        Resource = ["*"]
      }] : [],
    )
  })
}

resource "aws_lambda_function" "this" {
  function_name = var.function_name
  description   = var.description
  role          = aws_iam_role.this.arn
  runtime       = local.jvm ? "java21" : "provided.al2023"
  handler       = local.jvm ? var.handler : "not.used.in.provided.runtime"
  architectures = [var.architecture]
  memory_size   = local.memory_size
  timeout       = var.timeout
  publish       = true

  reserved_concurrent_executions = var.reserved_concurrent_executions

  filename          = var.code_zip_path
  source_code_hash  = local.source_code_hash
  s3_bucket         = try(var.code_s3.bucket, null)
  s3_key            = try(var.code_s3.key, null)
  s3_object_version = try(var.code_s3.version, null)

  dynamic "snap_start" {
    for_each = local.snap_start ? [1] : []
    content {
      apply_on = "PublishedVersions"
    }
  }

  environment {
    variables = local.environment
  }

  dynamic "vpc_config" {
    for_each = local.vpc_enabled ? [1] : []
    content {
      subnet_ids         = var.vpc_subnet_ids
      security_group_ids = var.vpc_security_group_ids
    }
  }

  logging_config {
    log_format = "Text"
    log_group  = aws_cloudwatch_log_group.this.name
  }

  tags = var.tags

  # The role's policy must exist before the first (SnapStart) version initialises and reads the model.
  depends_on = [aws_iam_role_policy.this]

  lifecycle {
    precondition {
      condition     = local.code_from_zip != local.code_from_s3
      error_message = "Set exactly one code source: code_zip_path (local zip) or code_s3 (bucket/key/version)."
    }
    precondition {
      condition     = !(local.snap_start && var.provisioned_concurrency != null)
      error_message = "Provisioned concurrency and SnapStart are not combined: set snap_start = false (or build_kind = \"native\") to use provisioned_concurrency, or drop provisioned_concurrency."
    }
    precondition {
      condition     = !local.kafka_sasl || length([for k in keys(var.environment) : k if contains(keys(local.kafka_sasl_environment), upper(k))]) == 0
      error_message = "With kafka_sasl_scram_secret_arn set, the module manages KAFKA_SASL_MECHANISM (SCRAM-SHA-512) and KAFKA_SASL_JAAS_CONFIG: remove ${join(", ", [for k in keys(var.environment) : k if contains(keys(local.kafka_sasl_environment), upper(k))])} from environment."
    }
    precondition {
      condition     = !local.kafka_sasl || var.secrets_kms_key_arn != null
      error_message = "kafka_sasl_scram_secret_arn is an MSK SCRAM secret, which MSK requires to be encrypted with a customer managed KMS key: set secrets_kms_key_arn to that key (arn:aws:kms:<region>:<account>:key/<id>) so the role may decrypt the secret, or the cold start fails with AccessDeniedException."
    }
    precondition {
      condition     = (length(var.vpc_subnet_ids) > 0) == (length(var.vpc_security_group_ids) > 0)
      error_message = "VPC access needs both vpc_subnet_ids and vpc_security_group_ids (or neither)."
    }
  }
}

# Deploying needs the zip; plans (validate, terraform test) do not, so this only warns.
check "code_zip_exists" {
  assert {
    condition     = !local.code_from_zip || try(fileexists(var.code_zip_path), false)
    error_message = "code_zip_path ${coalesce(var.code_zip_path, "-")} does not exist yet: build it (./mvnw -B package -Plambda ...) before apply."
  }
}

resource "aws_lambda_alias" "live" {
  name             = local.alias_name
  description      = "Version serving traffic; moves with every published version"
  function_name    = aws_lambda_function.this.function_name
  function_version = aws_lambda_function.this.version
}

resource "aws_lambda_provisioned_concurrency_config" "live" {
  count = var.provisioned_concurrency == null ? 0 : 1

  function_name                     = aws_lambda_function.this.function_name
  qualifier                         = aws_lambda_alias.live.name
  provisioned_concurrent_executions = var.provisioned_concurrency.min_capacity

  lifecycle {
    # Application Auto Scaling owns the value after creation.
    ignore_changes = [provisioned_concurrent_executions]
  }
}

resource "aws_appautoscaling_target" "live" {
  count = var.provisioned_concurrency == null ? 0 : 1

  service_namespace  = "lambda"
  scalable_dimension = "lambda:function:ProvisionedConcurrency"
  resource_id        = "function:${aws_lambda_function.this.function_name}:${aws_lambda_alias.live.name}"
  min_capacity       = var.provisioned_concurrency.min_capacity
  max_capacity       = var.provisioned_concurrency.max_capacity

  depends_on = [aws_lambda_provisioned_concurrency_config.live]
}

resource "aws_appautoscaling_policy" "live" {
  count = var.provisioned_concurrency == null ? 0 : 1

  name               = "${var.function_name}-provisioned-concurrency"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.live[0].service_namespace
  scalable_dimension = aws_appautoscaling_target.live[0].scalable_dimension
  resource_id        = aws_appautoscaling_target.live[0].resource_id

  target_tracking_scaling_policy_configuration {
    target_value = var.provisioned_concurrency.target_utilization
    predefined_metric_specification {
      predefined_metric_type = "LambdaProvisionedConcurrencyUtilization"
    }
  }
}

# Asynchronous invocations of the live alias (EventBridge Scheduler, S3, SNS, ... invoke with InvocationType
# Event): retries after a function error, event age, and where a given-up event is recorded. Only with
# async_invoke set; configured on the alias because every trigger invokes the alias.
resource "aws_lambda_function_event_invoke_config" "live" {
  count = var.async_invoke == null ? 0 : 1

  function_name                = aws_lambda_function.this.function_name
  qualifier                    = aws_lambda_alias.live.name
  maximum_retry_attempts       = var.async_invoke.maximum_retry_attempts
  maximum_event_age_in_seconds = var.async_invoke.maximum_event_age_in_seconds

  dynamic "destination_config" {
    for_each = local.async_on_failure_arn == null ? [] : [local.async_on_failure_arn]
    content {
      on_failure {
        destination = destination_config.value
      }
    }
  }

  # Lambda checks that the execution role may send to the destination when the configuration is saved.
  depends_on = [aws_iam_role_policy.this]
}
