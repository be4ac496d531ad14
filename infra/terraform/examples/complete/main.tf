locals {
  functions = ["http-predict", "event-score", "batch-score"]

  # <repo>/functions/<fn>/target/lambda/function.zip, written by ./mvnw -B package -Plambda -pl functions/<fn> -am
  default_zip_paths = { for f in local.functions : f => "${path.module}/../../../../functions/${f}/target/lambda/function.zip" }
  zip_paths         = merge(local.default_zip_paths, var.function_zip_paths)

  code_s3 = var.artifact_bucket == null ? {} : {
    for f in local.functions : f => {
      bucket  = var.artifact_bucket
      key     = "${f}/function.zip"
      version = lookup(var.artifact_versions, f, null)
    }
  }

  model_uris          = { for f, m in var.models : f => "s3://${var.model_bucket_name}/models/${m}/" }
  previous_model_uris = { for f in local.functions : f => [for m in lookup(var.previous_models, f, []) : "s3://${var.model_bucket_name}/models/${m}/"] }

  # Shared by the three functions.
  function_common = {
    build_kind             = var.build_kind
    architecture           = var.architecture
    vpc_subnet_ids         = var.private_subnet_ids
    vpc_security_group_ids = var.function_security_group_ids
  }

  # http-predict checks callers itself (INFERFN_AUTH_ENABLED, on by default in its prod config). Behind the JWT
  # authorizer it takes the verified token's claims from the event: sub is the caller, the roles claim must hold
  # model:<name> (or model:*) for the model called. With SigV4 (iam, function_url_iam) the event carries the IAM
  # caller (requestContext.authorizer.iam) and no claims: every IAM caller gets the roles of http_iam_roles.
  http_jwt = var.http_auth_mode == "jwt"
  http_predict_environment = merge(
    { INFERFN_AUTH_ENABLED = "true" },
    local.http_jwt ? { INFERFN_AUTH_JWT_ROLES_CLAIM = var.jwt_roles_claim } : { INFERFN_AUTH_IAM_ROLES = join(",", var.http_iam_roles) },
  )

  event_score_timeout = 30

  # Where event-score publishes predictions, alerts and dead letters (its Kafka producer; Quarkus reads every
  # KAFKA_<PROPERTY> variable as a Kafka client property), plus any extra settings (topic names). SASL/SCRAM
  # credentials are not here: the module sets KAFKA_SASL_* from event_output_kafka.sasl_scram_secret_arn.
  event_score_environment = merge(
    var.event_score_environment,
    {
      KAFKA_BOOTSTRAP_SERVERS = var.event_output_kafka.bootstrap_servers
      KAFKA_SECURITY_PROTOCOL = var.event_output_kafka.security_protocol
    },
  )

  # batch-score's database, what it reads and writes, and (only when the schedule overrides source or sink in the
  # payload) the switch that lets it accept such overrides, narrowed to exactly the schedule's own: its tables as the
  # allowed table prefixes, its files' directories as the allowed paths, sql: only for a sql: source. The password is
  # not here: batch-score reads it from Secrets Manager at cold start (database_password_secret_arn).
  # batch-score has no HTTP route on Lambda: EventBridge Scheduler invokes it
  # (IAM, lambda:InvokeFunction on its alias), so it takes no API keys or JWT settings here.
  batch_payload_overrides = var.batch_source_uri != null || var.batch_sink_uri != null
  batch_override_uris     = [for u in [var.batch_source_uri, var.batch_sink_uri] : u if u != null]
  batch_override_tables   = [for u in local.batch_override_uris : trimprefix(u, "table:") if startswith(u, "table:")]
  batch_override_paths    = [for u in local.batch_override_uris : dirname(trimprefix(u, "file:")) if startswith(u, "file:")]
  batch_override_sql      = var.batch_source_uri != null && startswith(coalesce(var.batch_source_uri, "-"), "sql:")
  batch_override_environment = merge(
    { INFERFN_BATCH_ALLOW_OVERRIDES = "true" },
    length(local.batch_override_tables) > 0 ? { INFERFN_BATCH_OVERRIDES_TABLES = join(",", local.batch_override_tables) } : {},
    length(local.batch_override_paths) > 0 ? { INFERFN_BATCH_OVERRIDES_PATHS = join(",", local.batch_override_paths) } : {},
    local.batch_override_sql ? { INFERFN_BATCH_OVERRIDES_SQL = "true" } : {},
  )
  batch_score_environment = merge(
    {
      QUARKUS_DATASOURCE_JDBC_URL = var.batch_database_jdbc_url
      QUARKUS_DATASOURCE_USERNAME = var.batch_database_username
      INFERFN_BATCH_SOURCE        = var.batch_source
      INFERFN_BATCH_SINK          = var.batch_sink
    },
    local.batch_payload_overrides ? local.batch_override_environment : {},
  )
}

module "model_registry" {
  source = "../../modules/model-registry"

  bucket_name                        = var.model_bucket_name
  noncurrent_version_expiration_days = 90
}

# ElastiCache takes the AUTH token itself at creation; the functions read the same secret at cold start.
data "aws_secretsmanager_secret_version" "redis_auth_token" {
  secret_id = var.redis_auth_token_secret_arn
}

module "feature_store" {
  source = "../../modules/feature-store"

  name                      = "${var.name_prefix}-features"
  vpc_id                    = var.vpc_id
  subnet_ids                = var.private_subnet_ids
  source_security_group_ids = var.function_security_group_ids
  auth_token                = data.aws_secretsmanager_secret_version.redis_auth_token.secret_string
}

# --- http-predict: HTTP API with JWT on every route (or SigV4: http_auth_mode) -------------------

module "http_predict" {
  source = "../../modules/inference-function"

  function_name          = "${var.name_prefix}-http-predict"
  description            = "inferfn http-predict (POST /predict, /v2 inference protocol)"
  build_kind             = local.function_common.build_kind
  architecture           = local.function_common.architecture
  vpc_subnet_ids         = local.function_common.vpc_subnet_ids
  vpc_security_group_ids = local.function_common.vpc_security_group_ids

  code_zip_path = var.artifact_bucket == null ? local.zip_paths["http-predict"] : null
  code_s3       = lookup(local.code_s3, "http-predict", null)

  model_uri                   = local.model_uris["http-predict"]
  previous_model_uris         = local.previous_model_uris["http-predict"]
  model_sha256                = lookup(var.model_sha256, "http-predict", null)
  model_kms_key_arn           = module.model_registry.kms_key_arn
  redis_hosts                 = module.feature_store.url
  redis_auth_token_secret_arn = var.redis_auth_token_secret_arn
  secrets_kms_key_arn         = var.secrets_kms_key_arn

  # The function's own authentication, matching http_auth_mode (see local.http_predict_environment).
  environment = local.http_predict_environment

  # memory_size left to the module: 1024 MB for JVM + SnapStart, 512 MB native.
  timeout = 10
}

module "http_api" {
  source = "../../modules/http-api"

  name                = "${var.name_prefix}-http-predict"
  auth_mode           = var.http_auth_mode
  function_name       = module.http_predict.function_name
  function_alias_name = module.http_predict.alias_name
  function_alias_arn  = module.http_predict.alias_arn
  jwt_issuer          = var.jwt_issuer
  jwt_audience        = var.jwt_audience
}

# --- event-score: SQS queue -> event source mapping -> Kafka topics ------------------------------

module "event_score" {
  source = "../../modules/inference-function"

  function_name          = "${var.name_prefix}-event-score"
  description            = "inferfn event-score (SQS batches -> Kafka predictions/alerts, partial batch failures)"
  build_kind             = local.function_common.build_kind
  architecture           = local.function_common.architecture
  vpc_subnet_ids         = local.function_common.vpc_subnet_ids
  vpc_security_group_ids = local.function_common.vpc_security_group_ids

  code_zip_path = var.artifact_bucket == null ? local.zip_paths["event-score"] : null
  code_s3       = lookup(local.code_s3, "event-score", null)

  model_uri                   = local.model_uris["event-score"]
  previous_model_uris         = local.previous_model_uris["event-score"]
  model_sha256                = lookup(var.model_sha256, "event-score", null)
  model_kms_key_arn           = module.model_registry.kms_key_arn
  redis_hosts                 = module.feature_store.url
  redis_auth_token_secret_arn = var.redis_auth_token_secret_arn
  secrets_kms_key_arn         = var.secrets_kms_key_arn

  # The brokers are reached through the same VPC config as Redis; no IAM is involved (TLS or SASL/SCRAM, not MSK
  # IAM auth), so the role needs no kafka-cluster permissions. Only an MSK trigger (event_queue's msk) would add
  # the poller's read permissions, which queue-trigger attaches itself.
  environment = local.event_score_environment

  # SASL/SCRAM (security_protocol SASL_*): the MSK SCRAM secret, read at cold start into the producer's JAAS config;
  # the role may read it (and decrypt it with secrets_kms_key_arn).
  kafka_sasl_scram_secret_arn = var.event_output_kafka.sasl_scram_secret_arn

  # memory_size left to the module: 1024 MB for JVM + SnapStart, 512 MB native.
  timeout = local.event_score_timeout
}

module "event_queue" {
  source = "../../modules/queue-trigger"

  name                               = "${var.name_prefix}-event-score"
  function_alias_arn                 = module.event_score.alias_arn
  function_role_name                 = module.event_score.role_name
  function_timeout_seconds           = local.event_score_timeout
  batch_size                         = 100
  maximum_batching_window_in_seconds = 1
  maximum_concurrency                = 50

  # Optional Kinesis Data Streams source beside the queue: poison records reported by sequence number, retried 3
  # times (bisecting the batch), then their shard and sequence numbers go to the event queue's DLQ.
  kinesis = var.event_kinesis_stream_arn == null ? null : {
    stream_arn = var.event_kinesis_stream_arn
  }
}

# --- batch-score: EventBridge Scheduler, one schedule per shard ----------------------------------

module "batch_score" {
  source = "../../modules/inference-function"

  function_name          = "${var.name_prefix}-batch-score"
  description            = "inferfn batch-score (scheduled, sharded)"
  build_kind             = local.function_common.build_kind
  architecture           = local.function_common.architecture
  vpc_subnet_ids         = local.function_common.vpc_subnet_ids
  vpc_security_group_ids = local.function_common.vpc_security_group_ids

  code_zip_path = var.artifact_bucket == null ? local.zip_paths["batch-score"] : null
  code_s3       = lookup(local.code_s3, "batch-score", null)

  model_uri                   = local.model_uris["batch-score"]
  previous_model_uris         = local.previous_model_uris["batch-score"]
  model_sha256                = lookup(var.model_sha256, "batch-score", null)
  model_kms_key_arn           = module.model_registry.kms_key_arn
  redis_hosts                 = module.feature_store.url
  redis_auth_token_secret_arn = var.redis_auth_token_secret_arn
  secrets_kms_key_arn         = var.secrets_kms_key_arn

  database_password_secret_arn = var.batch_database_password_secret_arn

  # PostgreSQL is reached through the same VPC config (private_subnet_ids, function_security_group_ids) as Redis.
  environment = local.batch_score_environment

  # EventBridge Scheduler invokes asynchronously. Lambda's default of 2 retries would rescan a shard twice more
  # after a deterministic failure (bad configuration, a bad payload); a failed shard is recorded in the
  # schedule's DLQ instead, to be rerun with the same runId.
  async_invoke = {
    maximum_retry_attempts       = var.batch_maximum_retry_attempts
    maximum_event_age_in_seconds = var.batch_maximum_event_age_in_seconds
    on_failure_destination_arn   = module.batch_schedule.dlq_arn
  }

  memory_size = 2048
  timeout     = 900
}

module "batch_schedule" {
  source = "../../modules/schedule"

  name                = "${var.name_prefix}-batch-score"
  function_alias_arn  = module.batch_score.alias_arn
  schedule_expression = var.batch_schedule_expression
  timezone            = var.batch_timezone
  shard_count         = var.batch_shard_count
  enabled             = var.batch_schedule_enabled
  source_uri          = var.batch_source_uri
  sink_uri            = var.batch_sink_uri
}

# --- the Spark path: the same scoring core on EMR Serverless, predictions into an Iceberg table (optional) ------
# Off unless spark_job is set: it needs a built jar in S3, a warehouse and a source that have no sensible defaults,
# and below a few hundred million rows a night batch-score's Lambda shards do the job (see ../../README.md).

module "spark_job" {
  source = "../../modules/spark-job"
  count  = var.spark_job == null ? 0 : 1

  name        = "${var.name_prefix}-spark-score"
  job_jar_uri = var.spark_job.job_jar_uri

  # The registry's convention, as for the functions: s3://<bucket>/models/<name>/<version>/, decrypted with its key.
  model_uri         = "s3://${var.model_bucket_name}/models/${coalesce(var.spark_job.model, var.models["batch-score"])}/"
  model_kms_key_arn = module.model_registry.kms_key_arn

  source_uri           = var.spark_job.source_uri
  source_s3_uris       = var.spark_job.source_s3_uris
  glue_database_name   = var.spark_job.glue_database_name
  create_glue_database = var.spark_job.create_glue_database
  sink_table           = var.spark_job.sink_table
  warehouse_uri        = var.spark_job.warehouse_uri
  data_kms_key_arns    = var.spark_job.data_kms_key_arns
  extra_arguments      = var.spark_job.extra_arguments
  spark_conf           = var.spark_job.spark_conf
  maximum_capacity     = var.spark_job.maximum_capacity
  iceberg_runtime_jar  = var.spark_job.bundled_iceberg ? null : "/usr/share/aws/iceberg/lib/iceberg-spark3-runtime.jar"

  # The workers reach Redis like the functions do: the same private subnets and the security groups Redis admits.
  subnet_ids         = var.spark_job.vpc ? var.private_subnet_ids : []
  security_group_ids = var.spark_job.vpc ? var.function_security_group_ids : []

  schedule_expression = coalesce(var.spark_job.schedule_expression, var.batch_schedule_expression)
  timezone            = var.batch_timezone
  enabled             = var.spark_job.enabled

  tags = var.tags
}

# --- observability: alarms and a dashboard over AWS/Lambda, AWS/SQS and the functions' EMF metrics --------------
# The functions write their metrics as CloudWatch Embedded Metric Format lines to their log groups (namespace
# inferfn): no agent, no PutMetricData, so their roles need nothing beyond the logs permissions they have.

module "observability" {
  source = "../../modules/observability"

  name   = var.name_prefix
  region = var.region
  functions = {
    "http-predict" = module.http_predict.function_name
    "event-score"  = module.event_score.function_name
    "batch-score"  = module.batch_score.function_name
  }
  # event-score's SQS redrive target, and the queue EventBridge Scheduler leaves failed batch-score shards in.
  dead_letter_queues = merge(
    {
      "event-score"          = module.event_queue.dlq_name
      "batch-score-schedule" = module.batch_schedule.dlq_name
    },
    # StartJobRun calls of the Spark path that failed after Scheduler's retries.
    var.spark_job == null ? {} : { "spark-score-schedule" = module.spark_job[0].dlq_name },
  )
  # event-score falling behind its Kinesis stream (IteratorAge), when it reads one
  stream_mappings = var.event_kinesis_stream_arn == null ? {} : {
    "event-score-kinesis" = { function_name = module.event_score.function_name, source = "kinesis" }
  }

  alarms_enabled    = var.alarms_enabled
  dashboard_enabled = var.dashboard_enabled
  alarm_actions     = var.alarm_actions

  error_rate_threshold_percent             = var.alarm_thresholds.error_rate_percent
  degraded_ratio_threshold_percent         = var.alarm_thresholds.degraded_ratio_percent
  dlq_oldest_message_age_threshold_seconds = var.alarm_thresholds.dlq_oldest_message_age_seconds
  iterator_age_threshold_ms                = var.alarm_thresholds.iterator_age_ms
  offset_lag_threshold                     = var.alarm_thresholds.offset_lag
  period_seconds                           = var.alarm_thresholds.period_seconds
  evaluation_periods                       = var.alarm_thresholds.evaluation_periods
  datapoints_to_alarm                      = var.alarm_thresholds.datapoints_to_alarm

  tags = var.tags
}
