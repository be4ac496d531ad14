# The complete example, planned end to end against the mocked AWS provider (mock_provider "aws"):
# no AWS account, no credentials, and no built zips needed.
mock_provider "aws" {
  override_during = plan

  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_region" {
    defaults = { name = "eu-central-1" }
  }
  mock_resource "aws_emrserverless_application" {
    defaults = {
      id  = "00fm1a2b3c4d5e6f"
      arn = "arn:aws:emr-serverless:eu-central-1:123456789012:/applications/00fm1a2b3c4d5e6f"
    }
  }
  # The AUTH token ElastiCache is created with, read by Terraform from redis_auth_token_secret_arn.
  mock_data "aws_secretsmanager_secret_version" {
    defaults = { secret_string = "correct-horse-battery-staple-42" }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:eu-central-1:123456789012:log-group:/aws/mocked" }
  }
  mock_resource "aws_kms_key" {
    defaults = { arn = "arn:aws:kms:eu-central-1:123456789012:key/0f1e2d3c-aaaa-bbbb-cccc-1234567890ab" }
  }
  mock_resource "aws_s3_bucket" {
    defaults = { arn = "arn:aws:s3:::acme-inferfn-models", id = "acme-inferfn-models" }
  }
  mock_resource "aws_sqs_queue" {
    defaults = { arn = "arn:aws:sqs:eu-central-1:123456789012:mocked" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/mocked" }
  }
  mock_resource "aws_elasticache_replication_group" {
    defaults = { primary_endpoint_address = "master.inferfn-features.abc123.euc1.cache.amazonaws.com" }
  }
  mock_resource "aws_apigatewayv2_api" {
    defaults = { execution_arn = "arn:aws:execute-api:eu-central-1:123456789012:a1b2c3d4e5" }
  }
  mock_resource "aws_lambda_event_source_mapping" {
    defaults = { uuid = "6f1c3c53-1234-4c1e-9d0c-2f2c2a8b9e10" }
  }
  mock_resource "aws_lambda_function_url" {
    defaults = { function_url = "https://abcdefghijklmnop.lambda-url.eu-central-1.on.aws/" }
  }
}

override_resource {
  target          = module.http_predict.aws_lambda_alias.live
  override_during = plan
  values          = { arn = "arn:aws:lambda:eu-central-1:123456789012:function:inferfn-http-predict:live" }
}

override_resource {
  target          = module.event_score.aws_lambda_alias.live
  override_during = plan
  values          = { arn = "arn:aws:lambda:eu-central-1:123456789012:function:inferfn-event-score:live" }
}

override_resource {
  target          = module.batch_score.aws_lambda_alias.live
  override_during = plan
  values          = { arn = "arn:aws:lambda:eu-central-1:123456789012:function:inferfn-batch-score:live" }
}

variables {
  model_bucket_name                  = "acme-inferfn-models"
  vpc_id                             = "vpc-0a1b2c3d"
  private_subnet_ids                 = ["subnet-0a1b2c3d", "subnet-0e1f2a3b"]
  function_security_group_ids        = ["sg-0f00f00f"]
  redis_auth_token_secret_arn        = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:inferfn/redis-auth-AbCdEf"
  jwt_issuer                         = "https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_AbCdEf"
  jwt_audience                       = ["client-1"]
  batch_database_jdbc_url            = "jdbc:postgresql://inferfn.cluster-abc.eu-central-1.rds.amazonaws.com:5432/inferfn?sslmode=require"
  batch_database_username            = "inferfn_batch"
  batch_database_password_secret_arn = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:rds!db-0a1b2c3d-XyZ123#password"
  event_output_kafka = {
    bootstrap_servers = "b-1.inferfn.abc123.c2.kafka.eu-central-1.amazonaws.com:9094,b-2.inferfn.abc123.c2.kafka.eu-central-1.amazonaws.com:9094"
  }
}

run "plans_with_local_zips" {
  command = plan

  # Local zip mode. The default paths (functions/<fn>/target/lambda/function.zip) exist only after
  # a Maven build; a plain `terraform plan` without them only warns (check code_zip_exists), but
  # terraform test treats a failed check in a child module as an error, so the test points at a
  # fixture zip to stay independent of the Maven build. Tests for S3 mode follow.
  variables {
    function_zip_paths = {
      http-predict = "../../modules/inference-function/tests/fixtures/function.zip"
      event-score  = "../../modules/inference-function/tests/fixtures/function.zip"
      batch-score  = "../../modules/inference-function/tests/fixtures/function.zip"
    }
  }

  assert {
    condition     = [module.http_predict.runtime, module.event_score.runtime, module.batch_score.runtime] == ["java21", "java21", "java21"]
    error_message = "all three functions are JVM builds by default"
  }
  assert {
    condition     = module.http_predict.snap_start_enabled && module.event_score.snap_start_enabled && module.batch_score.snap_start_enabled
    error_message = "SnapStart on every JVM function"
  }
  assert {
    condition     = [module.http_predict.memory_size, module.event_score.memory_size, module.batch_score.memory_size] == [1024, 1024, 2048]
    error_message = "JVM + SnapStart functions take the module default (1024 MB); batch-score sets 2048 MB explicitly"
  }
  assert {
    condition = output.model_uris == {
      http-predict = "s3://acme-inferfn-models/models/fraud/2/"
      event-score  = "s3://acme-inferfn-models/models/sensor-anomaly/2/"
      batch-score  = "s3://acme-inferfn-models/models/fraud/2/"
    }
    error_message = "model URIs must be built from the registry bucket and the models map (event-score: the sensor anomaly model)"
  }
  assert {
    condition     = endswith(module.event_score.environment["INFERFN_MODEL_LOCATIONS"], "/models/sensor-anomaly/2/")
    error_message = "event-score must load sensor-anomaly/2 by default"
  }
}

run "every_trigger_is_wired_and_secured" {
  command = plan

  variables {
    artifact_bucket = "acme-inferfn-artifacts"
  }

  assert {
    condition     = length(module.http_api.route_authorization) == 5 && alltrue([for t in values(module.http_api.route_authorization) : t == "JWT"])
    error_message = "every http-predict route must require a JWT"
  }
  assert {
    condition     = module.event_queue.function_response_types == toset(["ReportBatchItemFailures"])
    error_message = "event-score must report batch item failures"
  }
  assert {
    condition     = module.event_queue.visibility_timeout_seconds >= 6 * 30
    error_message = "event queue visibility timeout must be >= 6 x the function timeout"
  }
  assert {
    condition     = output.batch_schedule_names == ["inferfn-batch-score-shard-0", "inferfn-batch-score-shard-1", "inferfn-batch-score-shard-2", "inferfn-batch-score-shard-3"]
    error_message = "batch-score must have 4 shard schedules"
  }
  assert {
    condition     = [for p in module.batch_schedule.payloads : p.shardIndex] == [0, 1, 2, 3] && alltrue([for p in module.batch_schedule.payloads : p.shardCount == 4])
    error_message = "shard payloads 0..3 of 4 expected"
  }
  assert {
    condition     = module.feature_store.encryption.transit && module.feature_store.encryption.at_rest
    error_message = "Redis must be encrypted in transit and at rest"
  }
  assert {
    condition     = output.redis_url == "rediss://master.inferfn-features.abc123.euc1.cache.amazonaws.com:6379"
    error_message = "functions must get the TLS Redis URL"
  }
  assert {
    condition     = module.model_registry.public_access_blocked && one(jsondecode(module.model_registry.bucket_policy_json).Statement).Condition.Bool["aws:SecureTransport"] == "false"
    error_message = "model bucket must block public access and deny non-TLS requests"
  }
}

run "no_wildcards_except_aws_required" {
  command = plan

  variables {
    artifact_bucket = "acme-inferfn-artifacts"
  }

  assert {
    condition = alltrue(flatten([
      for doc in [
        module.http_predict.role_policy_json,
        module.event_score.role_policy_json,
        module.batch_score.role_policy_json,
        module.event_queue.policy_json,
        module.batch_schedule.policy_json,
        ] : [
        for s in jsondecode(doc).Statement :
        alltrue([for a in flatten([s.Action]) : a != "*" && !endswith(a, ":*")]) &&
        (endswith(s.Sid, "AwsRequiresWildcard") || alltrue([for r in flatten([s.Resource]) : !strcontains(r, "*") || endswith(r, "/*") || endswith(r, ":*")]))
      ]
    ]))
    error_message = "no wildcard actions anywhere; Resource '*' only in the documented AWS-required ec2 statements (prefix '/*' and log-stream ':*' suffixes are scoped ARNs)"
  }
  assert {
    condition = alltrue(flatten([
      for doc in [module.http_predict.role_policy_json, module.event_score.role_policy_json, module.batch_score.role_policy_json] : [
        for s in jsondecode(doc).Statement : startswith(s.Sid, "Vpc") if contains(flatten([s.Resource]), "*")
      ]
    ]))
    error_message = "in the function roles only the VPC network-interface statement has Resource *"
  }
  assert {
    condition     = one([for s in jsondecode(module.http_predict.role_policy_json).Statement : s.Resource if s.Sid == "ReadModelPrefix"]) == ["arn:aws:s3:::acme-inferfn-models/models/fraud/2/*"]
    error_message = "http-predict may read its own model version only"
  }
}

run "s3_artifacts_mode" {
  command = plan

  variables {
    artifact_bucket   = "acme-inferfn-artifacts"
    artifact_versions = { http-predict = "v123" }
  }

  # No expect_failures here: in S3 mode no local zip is involved, so no check warns.
  assert {
    condition     = output.function_alias_arns["http-predict"] == "arn:aws:lambda:eu-central-1:123456789012:function:inferfn-http-predict:live"
    error_message = "alias ARNs must be exported per function"
  }
}

run "native_build_everywhere" {
  command = plan

  variables {
    artifact_bucket = "acme-inferfn-artifacts"
    build_kind      = "native"
    architecture    = "x86_64"
  }

  assert {
    condition     = [module.http_predict.runtime, module.event_score.runtime, module.batch_score.runtime] == ["provided.al2023", "provided.al2023", "provided.al2023"]
    error_message = "native builds run on provided.al2023"
  }
  assert {
    condition     = !module.http_predict.snap_start_enabled && !module.batch_score.snap_start_enabled
    error_message = "no SnapStart on native builds"
  }
  assert {
    condition     = [module.http_predict.memory_size, module.event_score.memory_size, module.batch_score.memory_size] == [512, 512, 2048]
    error_message = "native functions take the module default (512 MB); batch-score keeps its explicit 2048 MB"
  }
}

run "batch_score_database_source_sink_and_async_retries" {
  command = plan

  variables {
    artifact_bucket = "acme-inferfn-artifacts"
  }

  assert {
    condition     = module.batch_score.environment["QUARKUS_DATASOURCE_JDBC_URL"] == "jdbc:postgresql://inferfn.cluster-abc.eu-central-1.rds.amazonaws.com:5432/inferfn?sslmode=require"
    error_message = "batch-score must get the datasource URL (otherwise it connects to localhost:5432)"
  }
  assert {
    condition     = module.batch_score.environment["QUARKUS_DATASOURCE_USERNAME"] == "inferfn_batch" && strcontains(module.batch_score.environment["INFERFN_SECRETS_PROPERTIES"], "quarkus.datasource.password=arn:aws:secretsmanager:eu-central-1:123456789012:secret:rds!db-0a1b2c3d-XyZ123#password")
    error_message = "batch-score must get the datasource user, and the secret its password is read from"
  }
  assert {
    condition     = module.batch_score.environment["INFERFN_BATCH_SOURCE"] == "table:customers" && module.batch_score.environment["INFERFN_BATCH_SINK"] == "table:churn_predictions"
    error_message = "source and sink are configured on the function, table:customers / table:churn_predictions by default"
  }
  assert {
    condition     = !contains(keys(module.batch_score.environment), "INFERFN_BATCH_ALLOW_OVERRIDES") && alltrue([for p in module.batch_schedule.payloads : !contains(keys(p), "source") && !contains(keys(p), "sink")])
    error_message = "no payload overrides by default, so batch-score keeps refusing them"
  }
  assert {
    condition     = alltrue([for env in [module.http_predict.environment, module.event_score.environment, module.batch_score.environment] : length(setintersection(keys(env), ["QUARKUS_DATASOURCE_PASSWORD", "QUARKUS_REDIS_PASSWORD"])) == 0])
    error_message = "no function gets a password in its environment"
  }
  assert {
    condition = alltrue([for env in [module.http_predict.environment, module.event_score.environment] :
      length(setintersection(keys(env), ["QUARKUS_DATASOURCE_JDBC_URL", "QUARKUS_DATASOURCE_USERNAME", "INFERFN_BATCH_SOURCE", "INFERFN_BATCH_SINK"])) == 0 && !strcontains(env["INFERFN_SECRETS_PROPERTIES"], "quarkus.datasource.password")
    ])
    error_message = "only batch-score gets the database user and password secret"
  }
  assert {
    condition = module.batch_score.async_invoke == {
      maximum_retry_attempts       = 0
      maximum_event_age_in_seconds = 3600
      on_failure_destination_arn   = "arn:aws:sqs:eu-central-1:123456789012:mocked"
    }
    error_message = "batch-score: no Lambda retries of a failed shard, events kept 1 h, failures recorded in the schedule's DLQ"
  }
  assert {
    condition     = module.batch_score.async_invoke.on_failure_destination_arn == module.batch_schedule.dlq_arn
    error_message = "the on-failure destination must be the schedule's DLQ"
  }
  assert {
    condition     = module.http_predict.async_invoke == null && module.event_score.async_invoke == null
    error_message = "the other functions keep Lambda's asynchronous defaults (no event invoke config)"
  }
  assert {
    condition = one([for s in jsondecode(module.batch_score.role_policy_json).Statement : s if s.Sid == "AsyncOnFailureDestination"]) == {
      Sid = "AsyncOnFailureDestination", Effect = "Allow", Action = ["sqs:SendMessage"], Resource = [module.batch_schedule.dlq_arn]
    }
    error_message = "batch-score's role may send to the schedule's DLQ only"
  }
  assert {
    condition     = !contains([for s in jsondecode(module.http_predict.role_policy_json).Statement : s.Sid], "AsyncOnFailureDestination")
    error_message = "no destination permission for the other functions"
  }
}

run "batch_score_custom_source_sink_and_retries" {
  command = plan

  variables {
    artifact_bucket              = "acme-inferfn-artifacts"
    batch_source                 = "sql:SELECT * FROM customers WHERE active"
    batch_sink                   = "table:scoring.churn_predictions"
    batch_maximum_retry_attempts = 1
  }

  assert {
    condition     = module.batch_score.environment["INFERFN_BATCH_SOURCE"] == "sql:SELECT * FROM customers WHERE active" && module.batch_score.environment["INFERFN_BATCH_SINK"] == "table:scoring.churn_predictions"
    error_message = "batch_source / batch_sink must reach the function"
  }
  assert {
    condition     = module.batch_score.async_invoke.maximum_retry_attempts == 1
    error_message = "batch_maximum_retry_attempts must reach the event invoke config"
  }
}

run "batch_payload_overrides_enable_them_on_the_function" {
  command = plan

  variables {
    artifact_bucket  = "acme-inferfn-artifacts"
    batch_source_uri = "table:staging.customers"
  }

  assert {
    condition     = module.batch_score.environment["INFERFN_BATCH_ALLOW_OVERRIDES"] == "true"
    error_message = "a payload override needs INFERFN_BATCH_ALLOW_OVERRIDES=true on the function"
  }
  assert {
    condition     = alltrue([for p in module.batch_schedule.payloads : p.source == "table:staging.customers" && !contains(keys(p), "sink")])
    error_message = "the source override must be in every shard's payload"
  }
  assert {
    condition     = module.batch_score.environment["INFERFN_BATCH_OVERRIDES_TABLES"] == "staging.customers" && !contains(keys(module.batch_score.environment), "INFERFN_BATCH_OVERRIDES_PATHS") && !contains(keys(module.batch_score.environment), "INFERFN_BATCH_OVERRIDES_SQL")
    error_message = "batch-score must allow exactly the schedule's table as an override prefix, and no files or sql: sources"
  }
}

run "batch_payload_overrides_of_sql_and_files_allow_just_those" {
  command = plan

  variables {
    artifact_bucket  = "acme-inferfn-artifacts"
    batch_source_uri = "sql:SELECT * FROM customers WHERE active"
    batch_sink_uri   = "file:/mnt/batch/out/predictions.csv"
  }

  assert {
    condition     = module.batch_score.environment["INFERFN_BATCH_OVERRIDES_SQL"] == "true" && module.batch_score.environment["INFERFN_BATCH_OVERRIDES_PATHS"] == "/mnt/batch/out"
    error_message = "a sql: source override needs INFERFN_BATCH_OVERRIDES_SQL=true, a file sink its directory in INFERFN_BATCH_OVERRIDES_PATHS"
  }
  assert {
    condition     = !contains(keys(module.batch_score.environment), "INFERFN_BATCH_OVERRIDES_TABLES")
    error_message = "no table override, no table prefix"
  }
}

run "rejects_non_postgresql_jdbc_url" {
  command = plan
  variables {
    artifact_bucket         = "acme-inferfn-artifacts"
    batch_database_jdbc_url = "jdbc:mysql://db.internal:3306/inferfn"
  }
  expect_failures = [var.batch_database_jdbc_url]
}

run "rejects_jdbc_url_without_jdbc_prefix" {
  command = plan
  variables {
    artifact_bucket         = "acme-inferfn-artifacts"
    batch_database_jdbc_url = "postgresql://db.internal:5432/inferfn"
  }
  expect_failures = [var.batch_database_jdbc_url]
}

run "rejects_password_in_jdbc_url" {
  command = plan
  variables {
    artifact_bucket         = "acme-inferfn-artifacts"
    batch_database_jdbc_url = "jdbc:postgresql://db.internal:5432/inferfn?user=inferfn&password=hunter2"
  }
  expect_failures = [var.batch_database_jdbc_url]
}

run "rejects_s3_batch_source" {
  command = plan
  variables {
    artifact_bucket = "acme-inferfn-artifacts"
    batch_source    = "s3://acme-batch/in/"
  }
  expect_failures = [var.batch_source]
}

run "rejects_sql_batch_sink" {
  command = plan
  variables {
    artifact_bucket = "acme-inferfn-artifacts"
    batch_sink      = "sql:SELECT 1"
  }
  expect_failures = [var.batch_sink]
}

run "rejects_s3_payload_override" {
  command = plan
  variables {
    artifact_bucket  = "acme-inferfn-artifacts"
    batch_source_uri = "s3://acme-batch/in/"
  }
  expect_failures = [var.batch_source_uri]
}

run "rejects_more_than_two_async_retries" {
  command = plan
  variables {
    artifact_bucket              = "acme-inferfn-artifacts"
    batch_maximum_retry_attempts = 3
  }
  expect_failures = [var.batch_maximum_retry_attempts]
}

run "rejects_incomplete_models_map" {
  command = plan
  variables {
    artifact_bucket = "acme-inferfn-artifacts"
    models          = { http-predict = "fraud/2" }
  }
  expect_failures = [var.models]
}

# --- event-score: SQS batches -> Kafka predictions/alerts -----------------------------------------

run "event_score_writes_to_kafka" {
  command = plan

  variables {
    artifact_bucket = "acme-inferfn-artifacts"
  }

  assert {
    condition     = module.event_score.environment["KAFKA_BOOTSTRAP_SERVERS"] == "b-1.inferfn.abc123.c2.kafka.eu-central-1.amazonaws.com:9094,b-2.inferfn.abc123.c2.kafka.eu-central-1.amazonaws.com:9094"
    error_message = "event-score must get the brokers of event_output_kafka (otherwise it tries localhost:9092 and every SQS message fails)"
  }
  assert {
    condition     = module.event_score.environment["KAFKA_SECURITY_PROTOCOL"] == "SSL"
    error_message = "security_protocol defaults to SSL (MSK's TLS listener)"
  }
  assert {
    condition = alltrue([for env in [module.http_predict.environment, module.batch_score.environment] :
      length([for k in keys(env) : k if startswith(k, "KAFKA_")]) == 0
    ])
    error_message = "only event-score gets the Kafka settings"
  }
  assert {
    condition     = one([for s in jsondecode(module.event_score.role_policy_json).Statement : s.Resource if s.Sid == "ReadModelPrefix"]) == ["arn:aws:s3:::acme-inferfn-models/models/sensor-anomaly/2/*"]
    error_message = "event-score may read its own model version (sensor-anomaly/2) only"
  }
  assert {
    condition = alltrue(flatten([
      for doc in [module.event_score.role_policy_json, module.event_queue.policy_json] : [
        for s in jsondecode(doc).Statement : [for a in flatten([s.Action]) : !startswith(a, "kafka")]
      ]
    ]))
    error_message = "writing to Kafka over TLS/SASL needs no IAM: no kafka/kafka-cluster permissions without an MSK trigger"
  }
  assert {
    condition     = module.event_queue.function_response_types == toset(["ReportBatchItemFailures"])
    error_message = "event-score still reports failed SQS messages (undeliverable outputs included) by id"
  }
}

run "event_score_sasl_scram_from_the_msk_secret_and_topics" {
  command = plan

  variables {
    artifact_bucket     = "acme-inferfn-artifacts"
    secrets_kms_key_arn = "arn:aws:kms:eu-central-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
    event_output_kafka = {
      bootstrap_servers     = "b-1.inferfn.abc123.c2.kafka.eu-central-1.amazonaws.com:9096, b-2.inferfn.abc123.c2.kafka.eu-central-1.amazonaws.com:9096"
      security_protocol     = "SASL_SSL"
      sasl_scram_secret_arn = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:AmazonMSK_inferfn-event-score-AbCdEf"
    }
    event_score_environment = {
      INFERFN_EVENT_PREDICTIONS_TOPIC = "sensor-predictions"
    }
  }

  assert {
    condition     = module.event_score.environment["KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL" && module.event_score.environment["KAFKA_BOOTSTRAP_SERVERS"] == var.event_output_kafka.bootstrap_servers
    error_message = "security_protocol and brokers must reach the function as given"
  }
  assert {
    condition     = module.event_score.environment["KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-512" && module.event_score.environment["KAFKA_SASL_JAAS_CONFIG"] == "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"$${inferfn.kafka.sasl.username}\" password=\"$${inferfn.kafka.sasl.password}\";"
    error_message = "event-score authenticates with SCRAM-SHA-512, its JAAS config refers to the secret's keys (expanded at cold start)"
  }
  assert {
    condition = alltrue([for k in ["username", "password"] :
      strcontains(module.event_score.environment["INFERFN_SECRETS_PROPERTIES"], "inferfn.kafka.sasl.${k}=arn:aws:secretsmanager:eu-central-1:123456789012:secret:AmazonMSK_inferfn-event-score-AbCdEf#${k}")
    ])
    error_message = "event-score reads the MSK secret's username and password at cold start"
  }
  assert {
    condition = toset(module.event_score.secret_arns) == toset([
      "arn:aws:secretsmanager:eu-central-1:123456789012:secret:inferfn/redis-auth-AbCdEf",
      "arn:aws:secretsmanager:eu-central-1:123456789012:secret:AmazonMSK_inferfn-event-score-AbCdEf",
    ]) && one([for s in jsondecode(module.event_score.role_policy_json).Statement : s.Resource if s.Sid == "DecryptOwnSecrets"]) == ["arn:aws:kms:eu-central-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"]
    error_message = "event-score's role may read the Redis token's and the MSK secret, and decrypt with the secrets' key"
  }
  assert {
    condition = alltrue([for m in [module.http_predict, module.batch_score] :
      !contains(m.secret_arns, "arn:aws:secretsmanager:eu-central-1:123456789012:secret:AmazonMSK_inferfn-event-score-AbCdEf") &&
      length([for k in keys(m.environment) : k if startswith(k, "KAFKA_")]) == 0
    ])
    error_message = "only event-score gets the Kafka credentials"
  }
  assert {
    condition     = module.event_score.environment["INFERFN_EVENT_PREDICTIONS_TOPIC"] == "sensor-predictions"
    error_message = "event_score_environment must be merged into event-score's environment"
  }
}

run "rejects_sasl_without_the_scram_secret" {
  command = plan
  variables {
    artifact_bucket = "acme-inferfn-artifacts"
    event_output_kafka = {
      bootstrap_servers = "b-1.inferfn.abc123.c2.kafka.eu-central-1.amazonaws.com:9096"
      security_protocol = "SASL_SSL"
    }
  }
  expect_failures = [var.event_output_kafka]
}

run "rejects_a_scram_secret_without_sasl" {
  command = plan
  variables {
    artifact_bucket     = "acme-inferfn-artifacts"
    secrets_kms_key_arn = "arn:aws:kms:eu-central-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
    event_output_kafka = {
      bootstrap_servers     = "b-1.inferfn.abc123.c2.kafka.eu-central-1.amazonaws.com:9094"
      sasl_scram_secret_arn = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:AmazonMSK_inferfn-event-score-AbCdEf"
    }
  }
  expect_failures = [var.event_output_kafka]
}

run "rejects_a_scram_secret_not_named_for_msk" {
  command = plan
  variables {
    artifact_bucket     = "acme-inferfn-artifacts"
    secrets_kms_key_arn = "arn:aws:kms:eu-central-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
    event_output_kafka = {
      bootstrap_servers     = "b-1.inferfn.abc123.c2.kafka.eu-central-1.amazonaws.com:9096"
      security_protocol     = "SASL_SSL"
      sasl_scram_secret_arn = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:inferfn/kafka-AbCdEf"
    }
  }
  expect_failures = [var.event_output_kafka]
}

run "rejects_a_plain_jaas_config_in_extra_environment" {
  command = plan
  variables {
    artifact_bucket = "acme-inferfn-artifacts"
    event_output_kafka = {
      bootstrap_servers     = "b-1.inferfn.abc123.c2.kafka.eu-central-1.amazonaws.com:9096"
      security_protocol     = "SASL_SSL"
      sasl_scram_secret_arn = "arn:aws:secretsmanager:eu-central-1:123456789012:secret:AmazonMSK_inferfn-event-score-AbCdEf"
    }
    secrets_kms_key_arn = "arn:aws:kms:eu-central-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
    event_score_environment = {
      KAFKA_SASL_JAAS_CONFIG = "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"inferfn\" password=\"s3cr3t\";"
    }
  }
  expect_failures = [var.event_score_environment]
}

run "rejects_empty_bootstrap_servers" {
  command = plan
  variables {
    artifact_bucket    = "acme-inferfn-artifacts"
    event_output_kafka = { bootstrap_servers = " " }
  }
  expect_failures = [var.event_output_kafka]
}

run "rejects_bootstrap_server_without_port" {
  command = plan
  variables {
    artifact_bucket    = "acme-inferfn-artifacts"
    event_output_kafka = { bootstrap_servers = "b-1.inferfn.abc123.c2.kafka.eu-central-1.amazonaws.com:9094,b-2.inferfn.abc123.c2.kafka.eu-central-1.amazonaws.com" }
  }
  expect_failures = [var.event_output_kafka]
}

run "rejects_bootstrap_server_url" {
  command = plan
  variables {
    artifact_bucket    = "acme-inferfn-artifacts"
    event_output_kafka = { bootstrap_servers = "kafka://b-1.inferfn.abc123.c2.kafka.eu-central-1.amazonaws.com:9094" }
  }
  expect_failures = [var.event_output_kafka]
}

run "rejects_empty_bootstrap_server_entry" {
  command = plan
  variables {
    artifact_bucket    = "acme-inferfn-artifacts"
    event_output_kafka = { bootstrap_servers = "b-1.example.internal:9094," }
  }
  expect_failures = [var.event_output_kafka]
}

run "rejects_bootstrap_port_out_of_range" {
  command = plan
  variables {
    artifact_bucket    = "acme-inferfn-artifacts"
    event_output_kafka = { bootstrap_servers = "b-1.example.internal:99094" }
  }
  expect_failures = [var.event_output_kafka]
}

run "rejects_msk_iam_security_protocol" {
  command = plan
  variables {
    artifact_bucket = "acme-inferfn-artifacts"
    event_output_kafka = {
      bootstrap_servers = "b-1.inferfn.abc123.c2.kafka.eu-central-1.amazonaws.com:9098"
      security_protocol = "AWS_MSK_IAM"
    }
  }
  expect_failures = [var.event_output_kafka]
}

run "rejects_kafka_settings_in_extra_environment" {
  command = plan
  variables {
    artifact_bucket         = "acme-inferfn-artifacts"
    event_score_environment = { KAFKA_BOOTSTRAP_SERVERS = "localhost:9092" }
  }
  expect_failures = [var.event_score_environment]
}

# --- http-predict's own authentication, matching http_auth_mode ----------------------------------

run "http_predict_checks_jwt_roles_by_default" {
  command = plan
  variables {
    artifact_bucket = "acme-inferfn-artifacts"
  }

  assert {
    condition     = module.http_predict.environment["INFERFN_AUTH_ENABLED"] == "true"
    error_message = "behind the JWT authorizer http-predict must check callers itself (INFERFN_AUTH_ENABLED=true)"
  }
  assert {
    condition     = module.http_predict.environment["INFERFN_AUTH_JWT_ROLES_CLAIM"] == "groups"
    error_message = "the roles claim defaults to groups"
  }
  assert {
    condition     = length(module.http_api.route_authorization) == 5 && alltrue([for t in values(module.http_api.route_authorization) : t == "JWT"])
    error_message = "jwt mode keeps the JWT authorizer on every route"
  }
  assert {
    condition     = !contains(keys(module.event_score.environment), "INFERFN_AUTH_ENABLED") && !contains(keys(module.batch_score.environment), "INFERFN_AUTH_ENABLED")
    error_message = "only http-predict gets the authentication settings"
  }
}

run "http_predict_cognito_groups_claim" {
  command = plan
  variables {
    artifact_bucket = "acme-inferfn-artifacts"
    http_auth_mode  = "jwt"
    jwt_roles_claim = "cognito:groups"
  }

  assert {
    condition     = module.http_predict.environment["INFERFN_AUTH_ENABLED"] == "true" && module.http_predict.environment["INFERFN_AUTH_JWT_ROLES_CLAIM"] == "cognito:groups"
    error_message = "jwt_roles_claim must reach http-predict as INFERFN_AUTH_JWT_ROLES_CLAIM"
  }
}

run "http_predict_iam_mode_gives_iam_callers_the_configured_roles" {
  command = plan
  variables {
    artifact_bucket = "acme-inferfn-artifacts"
    http_auth_mode  = "iam"
    jwt_issuer      = null
    jwt_audience    = []
    jwt_roles_claim = "cognito:groups"
  }

  assert {
    condition     = module.http_predict.environment["INFERFN_AUTH_ENABLED"] == "true" && module.http_predict.environment["INFERFN_AUTH_IAM_ROLES"] == "model:*"
    error_message = "with SigV4 http-predict keeps its check on and gives IAM callers http_iam_roles (model:* by default)"
  }
  assert {
    condition     = !contains(keys(module.http_predict.environment), "INFERFN_AUTH_JWT_ROLES_CLAIM")
    error_message = "no roles claim is passed in iam mode (per-model roles do not apply)"
  }
  assert {
    condition     = module.http_api.authorizer_id == null && length(module.http_api.route_authorization) == 5 && alltrue([for t in values(module.http_api.route_authorization) : t == "AWS_IAM"])
    error_message = "iam mode: no JWT authorizer, AWS_IAM on every route"
  }
}

run "http_predict_function_url_iam_mode_gives_iam_callers_the_configured_roles" {
  command = plan
  variables {
    artifact_bucket = "acme-inferfn-artifacts"
    http_auth_mode  = "function_url_iam"
    jwt_issuer      = null
    jwt_audience    = []
    http_iam_roles  = ["model:fraud", "model:churn"]
  }

  assert {
    condition     = module.http_predict.environment["INFERFN_AUTH_ENABLED"] == "true" && module.http_predict.environment["INFERFN_AUTH_IAM_ROLES"] == "model:fraud,model:churn"
    error_message = "with a SigV4 function URL http-predict keeps its check on and gives IAM callers http_iam_roles"
  }
  assert {
    condition     = !contains(keys(module.http_predict.environment), "INFERFN_AUTH_JWT_ROLES_CLAIM")
    error_message = "no roles claim is passed in function_url_iam mode"
  }
  assert {
    condition     = output.http_api_id == null && output.http_predict_endpoint == "https://abcdefghijklmnop.lambda-url.eu-central-1.on.aws/"
    error_message = "function_url_iam mode: no API Gateway, the endpoint is the function URL"
  }
}

run "rejects_empty_jwt_roles_claim" {
  command = plan
  variables {
    artifact_bucket = "acme-inferfn-artifacts"
    jwt_roles_claim = ""
  }
  expect_failures = [var.jwt_roles_claim]
}

run "rejects_blank_jwt_roles_claim" {
  command = plan
  variables {
    artifact_bucket = "acme-inferfn-artifacts"
    jwt_roles_claim = " groups"
  }
  expect_failures = [var.jwt_roles_claim]
}

run "rejects_iam_roles_that_are_not_model_roles" {
  command = plan
  variables {
    artifact_bucket = "acme-inferfn-artifacts"
    http_auth_mode  = "iam"
    http_iam_roles  = ["admin,model:*"]
  }
  expect_failures = [var.http_iam_roles]
}

run "rejects_unauthenticated_http_auth_mode" {
  command = plan
  variables {
    artifact_bucket = "acme-inferfn-artifacts"
    http_auth_mode  = "none"
  }
  expect_failures = [var.http_auth_mode]
}

# jwt mode without jwt_issuer (now optional, for the IAM modes) is refused by the http-api module's precondition
# on its authorizer, tested in modules/http-api (a test cannot expect failures from a child module's resource).

run "functions_read_their_secrets_from_secrets_manager_and_only_those" {
  command = plan

  variables {
    artifact_bucket     = "acme-inferfn-artifacts"
    secrets_kms_key_arn = "arn:aws:kms:eu-central-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
  }

  assert {
    condition = alltrue([for m in [module.http_predict, module.event_score] :
      m.secret_arns == tolist(["arn:aws:secretsmanager:eu-central-1:123456789012:secret:inferfn/redis-auth-AbCdEf"])
    ])
    error_message = "http-predict and event-score may read the Redis token's secret only"
  }
  assert {
    condition     = toset(module.batch_score.secret_arns) == toset(["arn:aws:secretsmanager:eu-central-1:123456789012:secret:inferfn/redis-auth-AbCdEf", "arn:aws:secretsmanager:eu-central-1:123456789012:secret:rds!db-0a1b2c3d-XyZ123"])
    error_message = "batch-score may read the Redis token's and the database password's secrets, nothing else"
  }
  assert {
    condition = alltrue([for m in [module.http_predict, module.event_score, module.batch_score] :
      tolist(one([for s in jsondecode(m.role_policy_json).Statement : s.Resource if s.Sid == "ReadOwnSecrets"])) == m.secret_arns &&
      one([for s in jsondecode(m.role_policy_json).Statement : s.Resource if s.Sid == "DecryptOwnSecrets"]) == ["arn:aws:kms:eu-central-1:123456789012:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"]
    ])
    error_message = "each role: secretsmanager:GetSecretValue on its secrets' ARNs, kms:Decrypt on the secrets' key"
  }
  assert {
    condition = alltrue([for m in [module.http_predict, module.event_score, module.batch_score] :
      strcontains(m.environment["INFERFN_SECRETS_PROPERTIES"], "quarkus.redis.password=arn:aws:secretsmanager:eu-central-1:123456789012:secret:inferfn/redis-auth-AbCdEf") &&
      !anytrue([for v in values(m.environment) : strcontains(v, "correct-horse-battery-staple-42")])
    ])
    error_message = "every function is told the token's secret ARN, and the token itself is in no environment"
  }
}


run "alarms_and_dashboard_watch_the_three_functions_and_both_dlqs" {
  command = plan

  variables {
    function_zip_paths = {
      http-predict = "../../modules/inference-function/tests/fixtures/function.zip"
      event-score  = "../../modules/inference-function/tests/fixtures/function.zip"
      batch-score  = "../../modules/inference-function/tests/fixtures/function.zip"
    }
    alarm_actions    = ["arn:aws:sns:eu-central-1:123456789012:inferfn-alarms"]
    alarm_thresholds = { degraded_ratio_percent = 20 }
  }

  assert {
    condition = output.alarm_names.error_rate == {
      http-predict = "inferfn-http-predict-error-rate"
      event-score  = "inferfn-event-score-error-rate"
      batch-score  = "inferfn-batch-score-error-rate"
    }
    error_message = "an error-rate alarm per function"
  }
  assert {
    condition = alltrue([for k, f in { http-predict = "inferfn-http-predict", event-score = "inferfn-event-score", batch-score = "inferfn-batch-score" } :
      length([for m in flatten(module.observability.error_rate_queries[k]) : m if m.metric_name == "Errors" && m.dimensions == tomap({ FunctionName = f })]) == 1
    ])
    error_message = "each error-rate alarm reads its own function's AWS/Lambda Errors"
  }
  assert {
    condition     = length(output.alarm_names.degraded_ratio) == 3 && module.observability.thresholds.degraded_ratio == 20
    error_message = "a degraded-ratio alarm per function, at alarm_thresholds.degraded_ratio_percent"
  }
  assert {
    condition     = module.observability.dead_letter_queues == tomap({ event-score = "inferfn-event-score-dlq", batch-score-schedule = "inferfn-batch-score-dlq" })
    error_message = "event-score's redrive DLQ and the batch schedule's DLQ are watched"
  }
  assert {
    condition     = length(output.alarm_names.dlq_depth) == 2 && length(output.alarm_names.dlq_age) == 2 && length(output.alarm_names.dead_letter_topic) == 1 && length(output.alarm_names.batch_failures) == 1
    error_message = "DLQ depth and age alarms for both queues, the Kafka dead-letter alarm and the failed-run alarm"
  }
  assert {
    condition     = output.dashboard_name == "inferfn"
    error_message = "a dashboard named after name_prefix"
  }
}

run "alarms_disabled_leaves_no_alarm" {
  command = plan

  variables {
    function_zip_paths = {
      http-predict = "../../modules/inference-function/tests/fixtures/function.zip"
      event-score  = "../../modules/inference-function/tests/fixtures/function.zip"
      batch-score  = "../../modules/inference-function/tests/fixtures/function.zip"
    }
    alarms_enabled    = false
    dashboard_enabled = false
  }

  assert {
    condition     = sum([for k, v in output.alarm_names : length(v)]) == 0 && output.dashboard_name == null
    error_message = "alarms_enabled = false and dashboard_enabled = false remove every alarm and the dashboard"
  }
}

run "event_score_reads_an_optional_kinesis_stream" {
  command = plan

  variables {
    artifact_bucket          = "acme-inferfn-artifacts"
    event_kinesis_stream_arn = "arn:aws:kinesis:eu-central-1:123456789012:stream/sensor-readings"
  }

  assert {
    condition     = module.event_queue.kinesis_event_source_mapping_uuid != null
    error_message = "a Kinesis mapping to event-score when a stream is given"
  }
  assert {
    condition     = one([for s in jsondecode(module.event_queue.policy_json).Statement : s.Resource if s.Sid == "KinesisStream"]) == ["arn:aws:kinesis:eu-central-1:123456789012:stream/sensor-readings"]
    error_message = "event-score may read that stream only"
  }
  assert {
    condition     = keys(output.alarm_names.stream_lag) == ["event-score-kinesis"]
    error_message = "an IteratorAge alarm on event-score's Kinesis mapping"
  }
}

run "no_kinesis_by_default" {
  command = plan

  variables {
    artifact_bucket = "acme-inferfn-artifacts"
  }

  assert {
    condition     = module.event_queue.kinesis_event_source_mapping_uuid == null && length(output.alarm_names.stream_lag) == 0
    error_message = "no Kinesis mapping and no stream alarm without event_kinesis_stream_arn"
  }
}

run "rejects_kinesis_arn_that_is_not_a_stream" {
  command = plan
  variables {
    artifact_bucket          = "acme-inferfn-artifacts"
    event_kinesis_stream_arn = "arn:aws:sqs:eu-central-1:123456789012:sensor-readings"
  }
  expect_failures = [var.event_kinesis_stream_arn]
}

# --- the Spark path (modules/spark-job) ----------------------------------------------------------------------------

run "spark_path_is_off_by_default" {
  command = plan

  variables {
    artifact_bucket = "acme-inferfn-artifacts"
  }

  assert {
    condition     = length(module.spark_job) == 0 && output.spark_application_id == null && output.spark_schedule_arn == null
    error_message = "no EMR Serverless application, role or schedule unless spark_job is set"
  }
  assert {
    condition     = !contains(keys(module.observability.alarm_names.dlq_depth), "spark-score-schedule") && module.batch_schedule.schedule_states == ["ENABLED", "ENABLED", "ENABLED", "ENABLED"]
    error_message = "the Lambda batch path alone, its 4 shard schedules enabled"
  }
}

run "spark_path_beside_the_lambda_batch_path" {
  command = plan

  variables {
    artifact_bucket        = "acme-inferfn-artifacts"
    batch_schedule_enabled = false
    spark_job = {
      job_jar_uri    = "s3://acme-inferfn-artifacts/spark/inferfn-spark.jar"
      warehouse_uri  = "s3://acme-lake/warehouse/"
      source_uri     = "parquet:s3://acme-lake/customers/"
      source_s3_uris = ["s3://acme-lake/customers/"]
    }
  }

  assert {
    condition     = module.spark_job[0].application_id == "00fm1a2b3c4d5e6f" && module.spark_job[0].sink == "iceberg:inferfn.churn_predictions" && module.spark_job[0].glue_database_name == "inferfn"
    error_message = "the Spark path writes to inferfn.churn_predictions by default"
  }
  assert {
    condition = jsondecode(module.spark_job[0].start_job_run_request).JobDriver.SparkSubmit.EntryPointArguments == [
      "--model", "s3://acme-inferfn-models/models/fraud/2/",
      "--source", "parquet:s3://acme-lake/customers/",
      "--sink", "iceberg:inferfn.churn_predictions",
      "--run-id", "<aws.scheduler.scheduled-time>",
    ]
    error_message = "the job scores with batch-score's model from the registry and takes the slot's scheduled time as run id"
  }
  assert {
    condition     = strcontains(module.spark_job[0].spark_submit_parameters, "--conf spark.jars=/usr/share/aws/iceberg/lib/iceberg-spark3-runtime.jar") && strcontains(module.spark_job[0].spark_submit_parameters, "--conf spark.sql.catalog.glue.warehouse=s3://acme-lake/warehouse/")
    error_message = "EMR's Iceberg runtime (bundled_iceberg = false) and the Glue catalog on the given warehouse"
  }
  assert {
    condition     = one([for s in jsondecode(module.spark_job[0].job_policy_json).Statement : s.Resource if s.Sid == "DecryptModelRegistry"]) == ["arn:aws:kms:eu-central-1:123456789012:key/0f1e2d3c-aaaa-bbbb-cccc-1234567890ab"] && one([for s in jsondecode(module.spark_job[0].job_policy_json).Statement : s.Resource if s.Sid == "ReadModelPrefix"]) == ["arn:aws:s3:::acme-inferfn-models/models/fraud/2/*"]
    error_message = "the job role reads that model version and decrypts with the registry's key, as the functions do"
  }
  assert {
    condition     = alltrue([for s in jsondecode(module.spark_job[0].job_policy_json).Statement : alltrue([for r in s.Resource : r != "*"])]) && alltrue([for s in jsondecode(module.spark_job[0].scheduler_policy_json).Statement : alltrue([for r in s.Resource : r != "*"])])
    error_message = "no Resource \"*\" in the Spark path's roles"
  }
  assert {
    condition     = contains(keys(module.observability.alarm_names.dlq_depth), "spark-score-schedule")
    error_message = "failed StartJobRun calls alarm like batch-score's failed shards"
  }
  assert {
    condition     = module.batch_score.alias_arn == "arn:aws:lambda:eu-central-1:123456789012:function:inferfn-batch-score:live" && module.batch_schedule.schedule_states == ["DISABLED", "DISABLED", "DISABLED", "DISABLED"]
    error_message = "batch-score stays deployed beside the Spark path, its schedules disabled with batch_schedule_enabled = false"
  }
}
