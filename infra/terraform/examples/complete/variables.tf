variable "region" {
  description = "AWS region to deploy to."
  type        = string
  default     = "eu-central-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must be an AWS region name such as eu-central-1."
  }
}

variable "name_prefix" {
  description = "Prefix of every resource name (functions are <prefix>-http-predict, <prefix>-event-score, <prefix>-batch-score)."
  type        = string
  default     = "inferfn"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,19}$", var.name_prefix))
    error_message = "name_prefix must be 1-20 lowercase letters, digits or '-', starting with a letter."
  }
}

variable "model_bucket_name" {
  description = "Name of the model registry bucket to create (globally unique)."
  type        = string
}

variable "models" {
  description = "Model version each function serves, as <name>/<version> under s3://<model bucket>/models/. Changing one publishes a new function version and moves its live alias. event-score scores sensor readings with the anomaly model (sensor-anomaly/2); the other two serve fraud/2."
  type        = map(string)
  default = {
    http-predict = "fraud/2"
    event-score  = "sensor-anomaly/2"
    batch-score  = "fraud/2"
  }

  validation {
    condition     = length(setsubtract(["http-predict", "event-score", "batch-score"], keys(var.models))) == 0 && alltrue([for v in values(var.models) : can(regex("^[a-z0-9][a-z0-9._-]*/[A-Za-z0-9._-]+$", v))])
    error_message = "models must map http-predict, event-score and batch-score to <name>/<version>, e.g. fraud/2."
  }
}

variable "previous_models" {
  description = "Per function, model versions (<name>/<version>) the role may still read during a rollout/rollback, e.g. { http-predict = [\"fraud/2\"] } while moving to fraud/3."
  type        = map(list(string))
  default     = {}
}

variable "model_sha256" {
  description = "Per function, the sha256 of the model.onnx it must serve, e.g. { http-predict = \"<64 hex>\" } (models/README.md lists the demo models'): the cold start fails if the registry holds another model, even with a matching manifest."
  type        = map(string)
  default     = {}
}

variable "build_kind" {
  description = "Build deployed for all three functions: jvm (java21 + SnapStart) or native (provided.al2023)."
  type        = string
  default     = "jvm"

  validation {
    condition     = contains(["jvm", "native"], var.build_kind)
    error_message = "build_kind must be \"jvm\" or \"native\"."
  }
}

variable "architecture" {
  description = "arm64 or x86_64 for all three functions."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be \"arm64\" or \"x86_64\"."
  }
}

variable "function_zip_paths" {
  description = "Local zips per function (null = <repo>/functions/<fn>/target/lambda/function.zip). Used unless artifact_bucket is set. They need to exist for apply only."
  type        = map(string)
  default     = {}
}

variable "artifact_bucket" {
  description = "When set, code is taken from s3://<artifact_bucket>/<fn>/function.zip (uploaded by CI) instead of local zips."
  type        = string
  default     = null
}

variable "artifact_versions" {
  description = "Optional S3 object versions of the uploaded zips, per function (pins the exact artifact)."
  type        = map(string)
  default     = {}
}

variable "vpc_id" {
  description = "VPC hosting the functions' ENIs and the Redis feature store."
  type        = string
}

variable "private_subnet_ids" {
  description = "Private subnets (two or more AZs) for the functions and Redis."
  type        = list(string)
}

variable "function_security_group_ids" {
  description = "Security group(s) attached to the functions; Redis admits 6379 from these only."
  type        = list(string)
}

variable "redis_auth_token_secret_arn" {
  description = "Full ARN of the Secrets Manager secret holding the Redis AUTH token (its SecretString: 16-128 printable characters, none of / \" @ or space). Terraform reads it once to create the ElastiCache replication group (so it is in the state, as ElastiCache's auth_token always is); the three functions read it themselves at cold start and their roles may read this secret only. No token is in a function's environment."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@!-]+$", var.redis_auth_token_secret_arn))
    error_message = "redis_auth_token_secret_arn must be a full Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>-<suffix>) whose value is the token itself."
  }
}

variable "secrets_kms_key_arn" {
  description = "Customer managed KMS key encrypting the secrets (redis_auth_token_secret_arn, batch_database_password_secret_arn, event_output_kafka.sasl_scram_secret_arn); the functions that read them get kms:Decrypt on it. null when they use the AWS managed key aws/secretsmanager; required with event_output_kafka.sasl_scram_secret_arn, because MSK requires SCRAM secrets to be encrypted with a customer managed key (the other secrets may then use the same key or aws/secretsmanager, which needs no grant)."
  type        = string
  default     = null
}

variable "http_auth_mode" {
  description = <<-EOT
    How callers of http-predict authenticate (the http-api module's auth_mode):
    - "jwt" (default): API Gateway HTTP API with a JWT authorizer (jwt_issuer, jwt_audience) on every route. The
      function also checks the caller itself (INFERFN_AUTH_ENABLED=true): the verified token's roles claim
      (jwt_roles_claim) must hold model:<name> (or model:*) for the model called, else 403.
    - "iam": the same API with SigV4 (AWS_IAM) on every route; callers need execute-api:Invoke.
    - "function_url_iam": a Lambda function URL with AWS_IAM, no API Gateway; callers need lambda:InvokeFunctionUrl.
    With "iam" and "function_url_iam" the event carries the IAM caller and no JWT claims: the function keeps its own
    check on (INFERFN_AUTH_ENABLED=true) and gives every IAM caller the roles of http_iam_roles.
  EOT
  type        = string
  default     = "jwt"
  nullable    = false

  validation {
    condition     = contains(["jwt", "iam", "function_url_iam"], var.http_auth_mode)
    error_message = "http_auth_mode must be \"jwt\", \"iam\" or \"function_url_iam\"."
  }
}

variable "http_iam_roles" {
  description = "With http_auth_mode \"iam\" or \"function_url_iam\": the roles every caller IAM lets through gets in http-predict (passed as INFERFN_AUTH_IAM_ROLES), e.g. [\"model:*\"] for every model or [\"model:fraud\"]. IAM authorises the call as a whole, so the roles are the same for every IAM caller; scope who may invoke in the callers' IAM policies. Unused with \"jwt\"."
  type        = list(string)
  default     = ["model:*"]
  nullable    = false

  validation {
    condition     = length(var.http_iam_roles) > 0 && alltrue([for r in var.http_iam_roles : can(regex("^model:[^\\s,]+$", r))])
    error_message = "http_iam_roles must list at least one role of the form model:<name> or model:* (no spaces or commas)."
  }
}

variable "jwt_issuer" {
  description = "JWT issuer URL for the http-predict API (e.g. a Cognito user pool, https://cognito-idp.<region>.amazonaws.com/<pool-id>). Required when http_auth_mode is \"jwt\" (the default); unused otherwise."
  type        = string
  default     = null
}

variable "jwt_audience" {
  description = "Accepted JWT audiences (client ids). At least one is required when http_auth_mode is \"jwt\" (the default); unused otherwise."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "jwt_roles_claim" {
  description = "With http_auth_mode \"jwt\": the JWT claim carrying the caller's roles, e.g. \"cognito:groups\" for Cognito user pools (passed to http-predict as INFERFN_AUTH_JWT_ROLES_CLAIM). It must hold model:<name> entries (or model:*) for the models the caller may use; a caller without the model's role gets 403. Unused with the IAM modes."
  type        = string
  default     = "groups"
  nullable    = false

  validation {
    condition     = can(regex("^[^\\s]+$", var.jwt_roles_claim))
    error_message = "jwt_roles_claim must be a non-empty claim name without spaces, e.g. \"groups\" or \"cognito:groups\"."
  }
}

variable "event_output_kafka" {
  description = <<-EOT
    Kafka cluster event-score writes its outputs to (predictions, alerts; dead letters when fed by MSK), passed to
    the function as KAFKA_BOOTSTRAP_SERVERS and KAFKA_SECURITY_PROTOCOL. Required: event-score scores an SQS batch
    only to publish it, so without a reachable cluster every message would be reported failed and end up in the
    queue's DLQ.
    - bootstrap_servers: comma-separated host:port list, e.g. the MSK TLS brokers
      b-1.inferfn.abc123.c2.kafka.eu-central-1.amazonaws.com:9094,b-2.inferfn.abc123.c2.kafka.eu-central-1.amazonaws.com:9094.
      The brokers are reached through the functions' VPC config (private_subnet_ids,
      function_security_group_ids): the cluster's security group must admit the port from
      function_security_group_ids, and those groups must allow the egress.
    - security_protocol: PLAINTEXT, SSL (default: TLS, as MSK's TLS listener on 9094), SASL_SSL or SASL_PLAINTEXT.
    - sasl_scram_secret_arn: required with SASL_SSL / SASL_PLAINTEXT (e.g. MSK SASL/SCRAM on 9096), refused otherwise.
      The full ARN of the MSK SCRAM secret associated with the cluster: a JSON SecretString
      {"username": "...", "password": "..."}, named AmazonMSK_..., encrypted with a customer managed KMS key (set
      secrets_kms_key_arn to it). event-score reads it at cold start and authenticates with SCRAM-SHA-512; its role
      may read this secret only. Neither the environment nor the state holds the password.
    MSK IAM authentication (port 9098) is not supported: the packaged function does not contain the
    aws-msk-iam-auth library, and its role gets no kafka-cluster:* write permissions.
  EOT
  type = object({
    bootstrap_servers     = string
    security_protocol     = optional(string, "SSL")
    sasl_scram_secret_arn = optional(string)
  })
  nullable = false

  validation {
    condition = length(trimspace(var.event_output_kafka.bootstrap_servers)) > 0 && alltrue([
      for s in split(",", var.event_output_kafka.bootstrap_servers) :
      can(regex("^([A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?|\\[[0-9A-Fa-f:.]+\\]):[0-9]{1,5}$", trimspace(s))) &&
      try(tonumber(regex(":([0-9]{1,5})$", trimspace(s))[0]) >= 1 && tonumber(regex(":([0-9]{1,5})$", trimspace(s))[0]) <= 65535, false)
    ])
    error_message = "event_output_kafka.bootstrap_servers must be a non-empty comma-separated list of host:port (port 1-65535), e.g. b-1.inferfn.abc123.c2.kafka.eu-central-1.amazonaws.com:9094,b-2.inferfn.abc123.c2.kafka.eu-central-1.amazonaws.com:9094, without schemes or empty entries."
  }
  validation {
    condition     = contains(["PLAINTEXT", "SSL", "SASL_SSL", "SASL_PLAINTEXT"], var.event_output_kafka.security_protocol)
    error_message = "event_output_kafka.security_protocol must be PLAINTEXT, SSL, SASL_SSL or SASL_PLAINTEXT (MSK IAM authentication is not supported by the packaged function)."
  }
  # SASL without credentials makes the Kafka client fail (it defaults to GSSAPI), so every SQS message would end up in
  # the DLQ; credentials without SASL would be silently unused.
  validation {
    condition     = startswith(var.event_output_kafka.security_protocol, "SASL_") == (var.event_output_kafka.sasl_scram_secret_arn != null)
    error_message = "event_output_kafka: security_protocol ${var.event_output_kafka.security_protocol} ${startswith(var.event_output_kafka.security_protocol, "SASL_") ? "needs sasl_scram_secret_arn, the ARN of the MSK SCRAM secret (JSON {\"username\", \"password\"}) event-score authenticates with; without it event-score cannot publish and every SQS message ends up in the DLQ" : "does not use sasl_scram_secret_arn: set security_protocol = \"SASL_SSL\" (MSK's SASL/SCRAM brokers, port 9096) or drop the secret"}."
  }
  validation {
    condition     = var.event_output_kafka.sasl_scram_secret_arn == null || can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:AmazonMSK_[A-Za-z0-9/_+=.@-]*-[A-Za-z0-9]{6}$", coalesce(var.event_output_kafka.sasl_scram_secret_arn, "-")))
    error_message = "event_output_kafka.sasl_scram_secret_arn must be the full ARN of an MSK SCRAM secret, arn:aws:secretsmanager:<region>:<account>:secret:AmazonMSK_<name>-<6-character suffix> (MSK requires the AmazonMSK_ prefix), without #<key>."
  }
}

variable "event_score_environment" {
  description = <<-EOT
    Extra environment of event-score, e.g. topic names: INFERFN_EVENT_PREDICTIONS_TOPIC (default predictions),
    INFERFN_EVENT_ALERTS_TOPIC (alerts), INFERFN_EVENT_DEAD_LETTER_TOPIC (sensor-readings-dlq). Every KAFKA_<PROPERTY>
    becomes a Kafka client property (lower case, _ read as .). No secrets: it ends up in the function's environment
    (readable with lambda:GetFunctionConfiguration) and in the state, so KAFKA_SASL_JAAS_CONFIG, KAFKA_SASL_MECHANISM
    (SASL/SCRAM credentials come from event_output_kafka.sasl_scram_secret_arn) and any *PASSWORD* key are refused,
    as are KAFKA_BOOTSTRAP_SERVERS and KAFKA_SECURITY_PROTOCOL (set through event_output_kafka).
  EOT
  type        = map(string)
  default     = {}
  sensitive   = true
  nullable    = false

  validation {
    condition     = alltrue([for k in keys(var.event_score_environment) : can(regex("^[A-Za-z][A-Za-z0-9_]*$", k)) && !contains(["KAFKA_BOOTSTRAP_SERVERS", "KAFKA_SECURITY_PROTOCOL"], upper(k))])
    error_message = "event_score_environment keys must be identifiers ([A-Za-z][A-Za-z0-9_]*) other than KAFKA_BOOTSTRAP_SERVERS and KAFKA_SECURITY_PROTOCOL (set those through event_output_kafka)."
  }
  validation {
    condition     = length([for k in keys(var.event_score_environment) : k if contains(["KAFKA_SASL_JAAS_CONFIG", "KAFKA_SASL_MECHANISM"], upper(k)) || strcontains(upper(k), "PASSWORD")]) == 0
    error_message = "event_score_environment must not carry Kafka credentials or passwords (KAFKA_SASL_JAAS_CONFIG, KAFKA_SASL_MECHANISM, *PASSWORD*): they would sit in the Lambda environment and the state. For SASL/SCRAM set event_output_kafka.sasl_scram_secret_arn (an MSK SCRAM secret) and security_protocol = \"SASL_SSL\"; event-score reads the credentials at cold start."
  }
}

variable "event_kinesis_stream_arn" {
  description = "Optional Kinesis data stream event-score also scores readings from (queue-trigger's kinesis source: partial batch responses by sequence number, 3 retries with bisect, then the event queue's DLQ; an IteratorAge alarm). null: the SQS queue only."
  type        = string
  default     = null

  validation {
    condition     = var.event_kinesis_stream_arn == null || can(regex("^arn:aws[a-z-]*:kinesis:[a-z0-9-]+:[0-9]{12}:stream/[A-Za-z0-9_.-]{1,128}$", coalesce(var.event_kinesis_stream_arn, "x")))
    error_message = "event_kinesis_stream_arn must be a Kinesis data stream ARN (arn:aws:kinesis:<region>:<account>:stream/<name>)."
  }
}

variable "batch_schedule_expression" {
  description = "When batch-score runs."
  type        = string
  default     = "cron(0 8 * * ? *)"
}

variable "batch_timezone" {
  description = "Time zone of batch_schedule_expression."
  type        = string
  default     = "Europe/Berlin"
}

variable "batch_schedule_enabled" {
  description = "Whether batch-score's schedules are ENABLED. Set false once the nightly job runs on the Spark path (spark_job) instead; the function stays deployed for manual runs."
  type        = bool
  default     = true
}

variable "batch_shard_count" {
  description = "Shards of a batch-score run (one scheduled invocation each)."
  type        = number
  default     = 4
}

variable "batch_database_jdbc_url" {
  description = "JDBC URL of the PostgreSQL database batch-score reads from and writes predictions to (QUARKUS_DATASOURCE_JDBC_URL), e.g. jdbc:postgresql://inferfn.cluster-abc.eu-central-1.rds.amazonaws.com:5432/inferfn?sslmode=require. Reached through the functions' VPC config: its security group must admit 5432 from function_security_group_ids. No credentials in the URL: use batch_database_username and batch_database_password_secret_arn."
  type        = string

  validation {
    condition     = can(regex("^jdbc:postgresql://[^\\s/?#]+(/[^\\s?#]*)?(\\?[^\\s#]*)?$", var.batch_database_jdbc_url)) && !strcontains(lower(var.batch_database_jdbc_url), "password=")
    error_message = "batch_database_jdbc_url must start with jdbc:postgresql://, e.g. jdbc:postgresql://db.internal:5432/inferfn?sslmode=require, without spaces and without a password parameter (use batch_database_password_secret_arn)."
  }
}

variable "batch_database_username" {
  description = "Database user of batch-score (QUARKUS_DATASOURCE_USERNAME). It needs SELECT on the source and CREATE/INSERT/DELETE on the sink tables (the sink creates <sink> and <sink>_rejects when absent)."
  type        = string

  validation {
    condition     = can(regex("^[^\\s]{1,63}$", var.batch_database_username))
    error_message = "batch_database_username must be 1-63 characters without spaces."
  }
}

variable "batch_database_password_secret_arn" {
  description = "Full ARN of the Secrets Manager secret holding the password of batch_database_username, read by batch-score at cold start into quarkus.datasource.password; its role may read this secret only. For a JSON secret, as RDS manages the master user's, append the key: <arn>#password. Neither Terraform nor the function's environment ever holds the password."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@!-]+(#[^#,\\s]+)?$", var.batch_database_password_secret_arn))
    error_message = "batch_database_password_secret_arn must be a full Secrets Manager secret ARN, optionally followed by #<JSON key> (e.g. arn:aws:secretsmanager:eu-central-1:123456789012:secret:rds!db-0a1b2c3d-XyZ123#password)."
  }
}

variable "batch_source" {
  description = "What batch-score reads (INFERFN_BATCH_SOURCE): table:<name> or sql:<one SELECT> from the database, or file:<path>.csv."
  type        = string
  default     = "table:customers"

  validation {
    condition     = can(regex("^(table:[A-Za-z_][A-Za-z0-9_$]*(\\.[A-Za-z_][A-Za-z0-9_$]*)?|sql:\\s*(?i:select|with)\\b[^;]*;?\\s*|file:.*\\.csv)$", var.batch_source))
    error_message = "batch_source must be table:<name> (a plain SQL identifier, schema.table at most), sql:<one SELECT/WITH query, no ';' inside> or file:<path>.csv."
  }
}

variable "batch_sink" {
  description = "Where batch-score writes predictions (INFERFN_BATCH_SINK): table:<name> (plus <name>_rejects) in the database, or file:<path>.csv."
  type        = string
  default     = "table:churn_predictions"

  validation {
    condition     = can(regex("^(table:[A-Za-z_][A-Za-z0-9_$]*(\\.[A-Za-z_][A-Za-z0-9_$]*)?|file:.*\\.csv)$", var.batch_sink))
    error_message = "batch_sink must be table:<name> (a plain SQL identifier, schema.table at most) or file:<path>.csv."
  }
}

variable "batch_source_uri" {
  description = "Optional source override put into every shard's payload (same grammar as batch_source). Prefer batch_source: setting this (or batch_sink_uri) also sets INFERFN_BATCH_ALLOW_OVERRIDES=true on batch-score, narrowed to this value (INFERFN_BATCH_OVERRIDES_TABLES: the table name as a prefix; INFERFN_BATCH_OVERRIDES_PATHS: the file's directory; INFERFN_BATCH_OVERRIDES_SQL=true for a sql: query, which may read any table the database user can). null = none."
  type        = string
  default     = null

  validation {
    condition     = var.batch_source_uri == null || can(regex("^(table:[A-Za-z_][A-Za-z0-9_$]*(\\.[A-Za-z_][A-Za-z0-9_$]*)?|sql:\\s*(?i:select|with)\\b[^;]*;?\\s*|file:.*\\.csv)$", var.batch_source_uri))
    error_message = "batch_source_uri must be null, table:<name>, sql:<one SELECT/WITH query> or file:<path>.csv."
  }
}

variable "batch_sink_uri" {
  description = "Optional sink override put into every shard's payload (same grammar as batch_sink). Prefer batch_sink; setting this enables payload overrides on batch-score (see batch_source_uri). null = none."
  type        = string
  default     = null

  validation {
    condition     = var.batch_sink_uri == null || can(regex("^(table:[A-Za-z_][A-Za-z0-9_$]*(\\.[A-Za-z_][A-Za-z0-9_$]*)?|file:.*\\.csv)$", var.batch_sink_uri))
    error_message = "batch_sink_uri must be null, table:<name> or file:<path>.csv."
  }
}

variable "batch_maximum_retry_attempts" {
  description = "Lambda's retries of a failed asynchronous batch-score invocation (0-2). 0 (default): a failed shard is not rescanned; its request goes to the schedule's DLQ (batch_dlq_arn), to be rerun with the same runId once the cause is fixed. The schedule's own retry policy still retries delivering the invocation."
  type        = number
  default     = 0

  validation {
    condition     = contains([0, 1, 2], var.batch_maximum_retry_attempts)
    error_message = "batch_maximum_retry_attempts must be 0, 1 or 2."
  }
}

variable "batch_maximum_event_age_in_seconds" {
  description = "How long Lambda keeps an accepted batch-score invocation waiting to run (e.g. while throttled) before giving it up to the DLQ (60-21600 s)."
  type        = number
  default     = 3600

  validation {
    condition     = var.batch_maximum_event_age_in_seconds >= 60 && var.batch_maximum_event_age_in_seconds <= 21600 && floor(var.batch_maximum_event_age_in_seconds) == var.batch_maximum_event_age_in_seconds
    error_message = "batch_maximum_event_age_in_seconds must be a whole number between 60 and 21600."
  }
}

# --- the Spark path (modules/spark-job) -------------------------------------------------------------

variable "spark_job" {
  description = <<-EOT
    The nightly scoring job on EMR Serverless beside batch-score (modules/spark-job), for volumes past one Lambda
    shard's 15 minutes. null (default): no Spark path. Set it to turn it on:
    - job_jar_uri (required): s3:// URI of the spark module's jar, uploaded by you or CI.
    - warehouse_uri (required): s3://<bucket>/<prefix>/ of the Iceberg warehouse.
    - source_uri (required): the job's --source; source_s3_uris the S3 prefixes it reads (Parquet).
    - glue_database_name ("inferfn"), create_glue_database (true), sink_table ("churn_predictions").
    - model: <name>/<version> in the registry (default: batch-score's model).
    - schedule_expression (default: batch_schedule_expression, in batch_timezone), enabled (true).
    - vpc (true): the workers run in private_subnet_ids with function_security_group_ids, the groups Redis admits.
    - bundled_iceberg (false): true when the job jar bundles iceberg-spark-runtime (then EMR's is not added).
    - maximum_capacity, data_kms_key_arns, extra_arguments, spark_conf: passed to the module.
  EOT
  type = object({
    job_jar_uri          = string
    warehouse_uri        = string
    source_uri           = string
    source_s3_uris       = optional(list(string), [])
    glue_database_name   = optional(string, "inferfn")
    create_glue_database = optional(bool, true)
    sink_table           = optional(string, "churn_predictions")
    model                = optional(string)
    schedule_expression  = optional(string)
    enabled              = optional(bool, true)
    vpc                  = optional(bool, true)
    maximum_capacity = optional(object({
      vcpu      = number
      memory_gb = number
      disk_gb   = optional(number, 1000)
    }), { vcpu = 32, memory_gb = 128 })
    bundled_iceberg   = optional(bool, false)
    data_kms_key_arns = optional(list(string), [])
    extra_arguments   = optional(list(string), [])
    spark_conf        = optional(map(string), {})
  })
  default = null

  validation {
    condition     = var.spark_job == null || try(var.spark_job.model == null || can(regex("^[a-z0-9][a-z0-9._-]*/[A-Za-z0-9._-]+$", var.spark_job.model)), false)
    error_message = "spark_job.model must be <name>/<version> in the model registry, e.g. churn/3 (or left out for batch-score's model)."
  }
}

variable "tags" {
  description = "Default tags on every resource."
  type        = map(string)
  default     = { project = "inferfn" }
}

# --- observability (modules/observability) ---------------------------------------------------------

variable "alarms_enabled" {
  description = "CloudWatch alarms on the functions' error rate and degraded ratio, the dead-letter queues' depth and age, event-score's Kafka dead letters and failed batch-score runs. false removes them all."
  type        = bool
  default     = true
}

variable "dashboard_enabled" {
  description = "A CloudWatch dashboard (named after name_prefix) with the alarms and the functions' metrics."
  type        = bool
  default     = true
}

variable "alarm_actions" {
  description = "ARNs notified when an alarm fires and when it clears, e.g. an SNS topic's (with an e-mail or chat subscription). Empty: the alarms only change state."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.alarm_actions : can(regex("^arn:aws[a-z-]*:(sns|lambda|ssm|ssm-incidents):", a))])
    error_message = "alarm_actions must be ARNs CloudWatch alarms can notify (SNS topics, Lambda functions, Systems Manager)."
  }
}

variable "alarm_thresholds" {
  description = <<-EOT
    Alarm thresholds (each optional): error_rate_percent (Errors / Invocations, default 5), degraded_ratio_percent
    (predictions answered degraded, default 10), dlq_oldest_message_age_seconds (default 86400), iterator_age_ms
    (Kinesis mappings, default 60000), offset_lag (MSK mappings, default 10000), period_seconds (default 300),
    evaluation_periods (default 3) and datapoints_to_alarm (default 2) for the rate and lag alarms. A dead-letter
    queue, a Kafka dead letter or a failed batch run alarms at the first one.
  EOT
  type = object({
    error_rate_percent             = optional(number, 5)
    degraded_ratio_percent         = optional(number, 10)
    dlq_oldest_message_age_seconds = optional(number, 86400)
    iterator_age_ms                = optional(number, 60000)
    offset_lag                     = optional(number, 10000)
    period_seconds                 = optional(number, 300)
    evaluation_periods             = optional(number, 3)
    datapoints_to_alarm            = optional(number, 2)
  })
  default = {}
}
