# Secrets (Redis AUTH token, database password) come from Secrets Manager at cold start: the environment carries
# their ARNs only, and the role may read exactly those secrets. Mocked AWS provider (mock_provider "aws").
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
      version = "3"
    }
  }
}

variables {
  function_name = "batch-score"
  model_uri     = "s3://inferfn-models/models/churn/2/"
  code_s3       = { bucket = "inferfn-artifacts", key = "batch-score/function.zip" }
  redis_hosts   = "rediss://master.inferfn.abc123.euc1.cache.amazonaws.com:6379"
}

run "secrets_are_read_by_arn_and_the_role_may_read_exactly_those" {
  command = plan

  variables {
    redis_auth_token_secret_arn  = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:inferfn/redis-auth-AbCdEf"
    database_password_secret_arn = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:rds!db-0a1b2c3d-XyZ123#password"
    secrets_kms_key_arn          = "arn:aws:kms:eu-central-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
  }

  assert {
    condition = one([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s if s.Sid == "ReadOwnSecrets"]) == {
      Sid    = "ReadOwnSecrets"
      Effect = "Allow"
      Action = ["secretsmanager:GetSecretValue"]
      Resource = [
        "arn:aws:secretsmanager:eu-central-1:123456789012:secret:rds!db-0a1b2c3d-XyZ123",
        "arn:aws:secretsmanager:eu-central-1:123456789012:secret:inferfn/redis-auth-AbCdEf",
      ]
    }
    error_message = "secretsmanager:GetSecretValue on exactly the two secret ARNs (the JSON key is not part of the ARN)"
  }
  assert {
    condition = one([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s if s.Sid == "DecryptOwnSecrets"]) == {
      Sid = "DecryptOwnSecrets", Effect = "Allow", Action = ["kms:Decrypt"], Resource = ["arn:aws:kms:eu-central-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"]
    }
    error_message = "kms:Decrypt on the secrets' customer managed key only"
  }
  assert {
    condition = alltrue([for s in jsondecode(aws_iam_role_policy.this.policy).Statement :
      !anytrue([for a in flatten([s.Action]) : startswith(a, "secretsmanager:")]) || s.Sid == "ReadOwnSecrets"
    ])
    error_message = "no other statement grants a Secrets Manager action"
  }
  assert {
    condition     = aws_lambda_function.this.environment[0].variables["INFERFN_SECRETS_PROPERTIES"] == "quarkus.datasource.password=arn:aws:secretsmanager:eu-central-1:123456789012:secret:rds!db-0a1b2c3d-XyZ123#password,quarkus.redis.password=arn:aws:secretsmanager:eu-central-1:123456789012:secret:inferfn/redis-auth-AbCdEf"
    error_message = "the function is told which property comes from which secret"
  }
  assert {
    condition     = length(setintersection(keys(aws_lambda_function.this.environment[0].variables), ["QUARKUS_REDIS_PASSWORD", "QUARKUS_DATASOURCE_PASSWORD"])) == 0
    error_message = "no plain secret in the environment"
  }
  assert {
    condition     = !issensitive(aws_lambda_function.this.environment[0].variables)
    error_message = "nothing secret in the environment: plans show it in the clear"
  }
  assert {
    condition     = output.secret_arns == tolist(["arn:aws:secretsmanager:eu-central-1:123456789012:secret:rds!db-0a1b2c3d-XyZ123", "arn:aws:secretsmanager:eu-central-1:123456789012:secret:inferfn/redis-auth-AbCdEf"])
    error_message = "secret_arns lists the secrets the role may read"
  }
}

run "one_secret_without_a_customer_managed_key" {
  command = plan

  variables {
    redis_auth_token_secret_arn = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:inferfn/redis-auth-AbCdEf"
  }

  assert {
    condition     = one([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s.Resource if s.Sid == "ReadOwnSecrets"]) == ["arn:aws:secretsmanager:eu-central-1:123456789012:secret:inferfn/redis-auth-AbCdEf"]
    error_message = "the Redis token's secret only"
  }
  assert {
    condition     = length([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s if s.Sid == "DecryptOwnSecrets"]) == 0
    error_message = "no kms:Decrypt without a customer managed key (aws/secretsmanager needs no grant)"
  }
}

run "no_secrets_no_secret_permissions" {
  command = plan

  variables {
    secrets_kms_key_arn = "arn:aws:kms:eu-central-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
  }

  assert {
    condition     = length([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s if contains(["ReadOwnSecrets", "DecryptOwnSecrets"], s.Sid)]) == 0
    error_message = "no secret to read, no secret permission"
  }
  assert {
    condition     = !contains(keys(aws_lambda_function.this.environment[0].variables), "INFERFN_SECRETS_PROPERTIES")
    error_message = "no secret list without secrets"
  }
}

run "rejects_a_plain_password_in_the_environment" {
  command = plan
  variables {
    environment = { QUARKUS_DATASOURCE_PASSWORD = "correct-horse-battery-staple" }
  }
  expect_failures = [var.environment]
}

run "rejects_a_plain_redis_token_in_the_environment" {
  command = plan
  variables {
    environment = { QUARKUS_REDIS_PASSWORD = "0123456789abcdef-token" }
  }
  expect_failures = [var.environment]
}

run "rejects_a_secret_name_instead_of_its_arn" {
  command = plan
  variables {
    redis_auth_token_secret_arn = "inferfn/redis-auth"
  }
  expect_failures = [var.redis_auth_token_secret_arn]
}

run "rejects_a_wildcard_secret_arn" {
  command = plan
  variables {
    database_password_secret_arn = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:*"
  }
  expect_failures = [var.database_password_secret_arn]
}

# --- Kafka SASL/SCRAM from an MSK SCRAM secret ----------------------------------------------------

run "kafka_sasl_scram_credentials_are_an_expression_over_the_secret_not_the_password" {
  command = plan

  variables {
    function_name               = "event-score"
    kafka_sasl_scram_secret_arn = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:AmazonMSK_inferfn-event-score-AbCdEf"
    secrets_kms_key_arn         = "arn:aws:kms:eu-central-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
    environment                 = { KAFKA_SECURITY_PROTOCOL = "SASL_SSL" }
  }

  assert {
    condition     = aws_lambda_function.this.environment[0].variables["KAFKA_SASL_JAAS_CONFIG"] == "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"$${inferfn.kafka.sasl.username}\" password=\"$${inferfn.kafka.sasl.password}\";"
    error_message = "the JAAS config refers to the secret's username and password with configuration expressions (a literal $${...}), expanded at start"
  }
  assert {
    condition     = aws_lambda_function.this.environment[0].variables["KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512" && aws_lambda_function.this.environment[0].variables["KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    error_message = "SCRAM-SHA-512 (MSK's SCRAM mechanism), the protocol as given"
  }
  assert {
    condition     = aws_lambda_function.this.environment[0].variables["INFERFN_SECRETS_PROPERTIES"] == "inferfn.kafka.sasl.password=arn:aws:secretsmanager:eu-central-1:123456789012:secret:AmazonMSK_inferfn-event-score-AbCdEf#password,inferfn.kafka.sasl.username=arn:aws:secretsmanager:eu-central-1:123456789012:secret:AmazonMSK_inferfn-event-score-AbCdEf#username"
    error_message = "both keys of the MSK secret are read at cold start into the properties the JAAS config refers to"
  }
  assert {
    condition = one([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s if s.Sid == "ReadOwnSecrets"]) == {
      Sid      = "ReadOwnSecrets"
      Effect   = "Allow"
      Action   = ["secretsmanager:GetSecretValue"]
      Resource = ["arn:aws:secretsmanager:eu-central-1:123456789012:secret:AmazonMSK_inferfn-event-score-AbCdEf"]
    }
    error_message = "secretsmanager:GetSecretValue on exactly the MSK secret's ARN (once, without #key)"
  }
  assert {
    condition     = one([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s.Resource if s.Sid == "DecryptOwnSecrets"]) == ["arn:aws:kms:eu-central-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"]
    error_message = "kms:Decrypt on the customer managed key MSK requires for SCRAM secrets"
  }
  assert {
    condition     = !issensitive(aws_lambda_function.this.environment[0].variables)
    error_message = "nothing secret in the environment: plans show it in the clear"
  }
}

run "kafka_secret_is_read_besides_the_redis_token" {
  command = plan

  variables {
    function_name               = "event-score"
    redis_auth_token_secret_arn = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:inferfn/redis-auth-AbCdEf"
    kafka_sasl_scram_secret_arn = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:AmazonMSK_inferfn-event-score-AbCdEf"
    secrets_kms_key_arn         = "arn:aws:kms:eu-central-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
  }

  assert {
    condition = toset(one([for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s.Resource if s.Sid == "ReadOwnSecrets"])) == toset([
      "arn:aws:secretsmanager:eu-central-1:123456789012:secret:AmazonMSK_inferfn-event-score-AbCdEf",
      "arn:aws:secretsmanager:eu-central-1:123456789012:secret:inferfn/redis-auth-AbCdEf",
    ])
    error_message = "the Redis token's and the MSK secret's ARNs, nothing else"
  }
  assert {
    condition     = length(split(",", aws_lambda_function.this.environment[0].variables["INFERFN_SECRETS_PROPERTIES"])) == 3 && strcontains(aws_lambda_function.this.environment[0].variables["INFERFN_SECRETS_PROPERTIES"], "quarkus.redis.password=arn:aws:secretsmanager:eu-central-1:123456789012:secret:inferfn/redis-auth-AbCdEf")
    error_message = "the Redis token plus the two Kafka properties"
  }
}

run "no_kafka_secret_no_sasl_settings" {
  command = plan

  assert {
    condition     = length([for k in keys(aws_lambda_function.this.environment[0].variables) : k if startswith(k, "KAFKA_")]) == 0
    error_message = "without kafka_sasl_scram_secret_arn the module sets no Kafka property"
  }
}

run "rejects_a_plain_jaas_config_in_the_environment" {
  command = plan
  variables {
    environment = {
      KAFKA_SASL_MECHANISM   = "SCRAM-SHA-512"
      KAFKA_SASL_JAAS_CONFIG = "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"inferfn\" password=\"s3cr3t\";"
    }
  }
  expect_failures = [var.environment]
}

run "rejects_a_plain_jaas_config_in_lower_case" {
  command = plan
  variables {
    environment = { kafka_sasl_jaas_config = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" password=\"p\";" }
  }
  expect_failures = [var.environment]
}

run "rejects_any_password_in_the_environment" {
  command = plan
  variables {
    environment = { KAFKA_SSL_KEY_PASSWORD = "changeit" }
  }
  expect_failures = [var.environment]
}

run "rejects_kafka_sasl_mechanism_when_the_module_manages_it" {
  command = plan
  variables {
    kafka_sasl_scram_secret_arn = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:AmazonMSK_inferfn-event-score-AbCdEf"
    secrets_kms_key_arn         = "arn:aws:kms:eu-central-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
    environment                 = { KAFKA_SASL_MECHANISM = "PLAIN" }
  }
  expect_failures = [aws_lambda_function.this]
}

run "rejects_an_msk_secret_without_its_kms_key" {
  command = plan
  variables {
    kafka_sasl_scram_secret_arn = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:AmazonMSK_inferfn-event-score-AbCdEf"
  }
  expect_failures = [aws_lambda_function.this]
}

run "rejects_a_kafka_secret_not_named_for_msk" {
  command = plan
  variables {
    kafka_sasl_scram_secret_arn = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:inferfn/kafka-scram-AbCdEf"
    secrets_kms_key_arn         = "arn:aws:kms:eu-central-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
  }
  expect_failures = [var.kafka_sasl_scram_secret_arn]
}

run "rejects_a_kafka_secret_arn_with_a_json_key" {
  command = plan
  variables {
    kafka_sasl_scram_secret_arn = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:AmazonMSK_inferfn-event-score-AbCdEf#password"
    secrets_kms_key_arn         = "arn:aws:kms:eu-central-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
  }
  expect_failures = [var.kafka_sasl_scram_secret_arn]
}

run "rejects_a_kafka_secret_name_or_wildcard" {
  command = plan
  variables {
    kafka_sasl_scram_secret_arn = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:AmazonMSK_*"
    secrets_kms_key_arn         = "arn:aws:kms:eu-central-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
  }
  expect_failures = [var.kafka_sasl_scram_secret_arn]
}
