variable "function_name" {
  description = "Lambda function name; also names the log group (/aws/lambda/<name>) and the execution role (<name>-exec)."
  type        = string

  validation {
    # 59 = 64 (IAM role name limit) - length("-exec")
    condition     = can(regex("^[A-Za-z0-9_-]{1,59}$", var.function_name))
    error_message = "function_name must be 1-59 characters of letters, digits, '-' or '_' (the role name <name>-exec must fit IAM's 64-character limit)."
  }
}

variable "description" {
  description = "Lambda function description."
  type        = string
  default     = "inferfn inference function"
}

variable "build_kind" {
  description = "Which Quarkus build the code package holds: \"jvm\" (runtime java21, SnapStart on published versions) or \"native\" (GraalVM native image, runtime provided.al2023, no SnapStart)."
  type        = string
  default     = "jvm"

  validation {
    condition     = contains(["jvm", "native"], var.build_kind)
    error_message = "build_kind must be \"jvm\" or \"native\"."
  }
}

variable "architecture" {
  description = "Instruction set of the function: \"arm64\" (Graviton) or \"x86_64\". A native build must have been compiled for the same architecture."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.architecture)
    error_message = "architecture must be \"arm64\" or \"x86_64\"."
  }
}

variable "handler" {
  description = "Handler of a JVM build. Ignored for native builds (provided runtimes run the package's bootstrap executable)."
  type        = string
  default     = "io.quarkus.amazon.lambda.runtime.QuarkusStreamHandler::handleRequest"

  validation {
    condition     = length(trimspace(var.handler)) > 0
    error_message = "handler must not be empty."
  }
}

variable "snap_start" {
  description = "Enable SnapStart (apply_on = PublishedVersions) for a JVM build. Has no effect on native builds. Must be false when provisioned_concurrency is set: the two are not combined."
  type        = bool
  default     = true
}

variable "code_zip_path" {
  description = "Local path of the function zip (e.g. functions/http-predict/target/lambda/function.zip). Exactly one of code_zip_path and code_s3 must be set."
  type        = string
  default     = null

  validation {
    condition     = var.code_zip_path == null || can(regex("\\.zip$", var.code_zip_path))
    error_message = "code_zip_path must point at a .zip file."
  }
}

variable "source_code_hash" {
  description = "Base64 SHA-256 of the code package. Defaults to filebase64sha256(code_zip_path) when that file exists; set it for S3 packages so a re-upload under the same key redeploys."
  type        = string
  default     = null
}

variable "code_s3" {
  description = "S3 location of the function zip: bucket, key and optional object version. Exactly one of code_zip_path and code_s3 must be set."
  type = object({
    bucket  = string
    key     = string
    version = optional(string)
  })
  default = null

  validation {
    condition     = var.code_s3 == null ? true : (can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.code_s3.bucket)) && length(var.code_s3.key) > 0)
    error_message = "code_s3.bucket must be a valid S3 bucket name and code_s3.key must not be empty."
  }
}

variable "memory_size" {
  description = "Memory in MB; Lambda scales the CPU share with it (one vCPU at 1769 MB). null (default) picks it from the build: JVM with SnapStart -> 1024 (init runs once per published version, a warm prediction is ~1 ms of CPU); JVM without SnapStart (e.g. with provisioned_concurrency) -> 1769, one full vCPU (time to first prediction 1,501 ms, vs 2,853 ms at 1024 MB and 6,187 ms at 512 MB); native -> 512. Figures: ./inferfn bench coldstart --set lambda, a cgroup CPU-quota emulation of Lambda's memory-proportional CPU on a 2-core machine (repository README, \"Lambda settings, and why\"). An explicit value always wins."
  type        = number
  default     = null

  validation {
    condition     = var.memory_size == null ? true : (var.memory_size >= 128 && var.memory_size <= 10240 && floor(var.memory_size) == var.memory_size)
    error_message = "memory_size must be null (default from build_kind/snap_start) or a whole number of MB between 128 and 10240."
  }
}

variable "timeout" {
  description = "Function timeout in seconds."
  type        = number
  default     = 10

  validation {
    condition     = var.timeout >= 1 && var.timeout <= 900 && floor(var.timeout) == var.timeout
    error_message = "timeout must be a whole number of seconds between 1 and 900."
  }
}

variable "reserved_concurrent_executions" {
  description = "Reserved concurrency; -1 leaves the function unreserved, 0 stops all invocations."
  type        = number
  default     = -1

  validation {
    condition     = var.reserved_concurrent_executions >= -1 && floor(var.reserved_concurrent_executions) == var.reserved_concurrent_executions
    error_message = "reserved_concurrent_executions must be -1 (unreserved) or a whole number >= 0."
  }
}

variable "provisioned_concurrency" {
  description = "Provisioned concurrency on the live alias, scaled by Application Auto Scaling target tracking on LambdaProvisionedConcurrencyUtilization between min_capacity and max_capacity. null = none. Not combined with SnapStart (set snap_start = false or use a native build)."
  type = object({
    min_capacity       = number
    max_capacity       = number
    target_utilization = optional(number, 0.7)
  })
  default = null

  validation {
    condition = var.provisioned_concurrency == null ? true : (
      var.provisioned_concurrency.min_capacity >= 1 &&
      var.provisioned_concurrency.max_capacity >= var.provisioned_concurrency.min_capacity &&
      var.provisioned_concurrency.target_utilization >= 0.1 &&
      var.provisioned_concurrency.target_utilization <= 0.9
    )
    error_message = "provisioned_concurrency needs min_capacity >= 1, max_capacity >= min_capacity and target_utilization between 0.1 and 0.9."
  }
}

variable "log_retention_days" {
  description = "Retention of the /aws/lambda/<name> log group in days; one of CloudWatch Logs' allowed values (0 = never expire)."
  type        = number
  default     = 30

  validation {
    condition     = contains([0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of CloudWatch Logs' values: 0 (never expire), 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "model_uri" {
  description = "S3 prefix of the published model version the function serves, ending in '/', e.g. s3://bucket/models/fraud/2/. Exported as INFERFN_MODEL_LOCATIONS; the role may read objects under this prefix only."
  type        = string

  validation {
    condition     = can(regex("^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/([^*?]+/)+$", var.model_uri))
    error_message = "model_uri must look like s3://<bucket>/<prefix>/ (a prefix ending in '/', no wildcards), e.g. s3://my-models/models/fraud/2/."
  }
}

variable "model_sha256" {
  description = "The sha256 of the model.onnx this deployment serves (64 hex digits; `inferfn model inspect` and models/README.md print it). Pinned in INFERFN_MODEL_LOCATIONS (#sha256=): the cold start fails naming both hashes if the registry holds another model, even one whose manifest agrees. Null: the manifest's sha256 alone is checked."
  type        = string
  default     = null

  validation {
    condition     = var.model_sha256 == null || can(regex("^[0-9a-f]{64}$", var.model_sha256))
    error_message = "model_sha256 must be 64 lower-case hex digits (the sha256 of model.onnx)."
  }
}

variable "model_version_id" {
  description = "The S3 object version of model.onnx to fetch (a bucket with versioning on, as modules/model-registry creates). Pinned in INFERFN_MODEL_LOCATIONS (&version=); the role gets s3:GetObjectVersion. Null: the current object."
  type        = string
  default     = null
}

variable "previous_model_uris" {
  description = "Model prefixes the role may still read besides model_uri, e.g. the version being replaced: keeps cold starts of the old function version working while the alias moves, and makes a manual alias rollback safe. Same format as model_uri."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for u in var.previous_model_uris : can(regex("^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/([^*?]+/)+$", u))])
    error_message = "previous_model_uris entries must look like s3://<bucket>/<prefix>/ (ending in '/', no wildcards)."
  }
}

variable "model_kms_key_arn" {
  description = "ARN of the KMS key encrypting the model registry bucket; grants kms:Decrypt on it. null when the bucket uses SSE-S3."
  type        = string
  default     = null

  validation {
    condition     = var.model_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.model_kms_key_arn))
    error_message = "model_kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), not an alias or a wildcard."
  }
}

variable "redis_hosts" {
  description = "Redis (feature store) endpoint for QUARKUS_REDIS_HOSTS, TLS only: rediss://host:6379. null = no feature store (the function serves with manifest defaults, degraded)."
  type        = string
  default     = null

  validation {
    condition     = var.redis_hosts == null || can(regex("^rediss://[^\\s/@]+:[0-9]+$", var.redis_hosts))
    error_message = "redis_hosts must be a TLS URL without credentials, rediss://<host>:<port> (the token comes from redis_auth_token_secret_arn)."
  }
}

variable "redis_auth_token_secret_arn" {
  description = "Full ARN of the Secrets Manager secret holding the ElastiCache AUTH token (its SecretString), read by the function at cold start into quarkus.redis.password; the role may read this secret only. Only the ARN is in the environment (INFERFN_SECRETS_PROPERTIES), never the token. A JSON secret takes the key after '#', e.g. <arn>#token. null = no AUTH token."
  type        = string
  default     = null

  validation {
    condition     = var.redis_auth_token_secret_arn == null || can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@!-]+(#[^#,\\s]+)?$", var.redis_auth_token_secret_arn))
    error_message = "redis_auth_token_secret_arn must be a full Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>-<suffix>), optionally followed by #<JSON key>; not a name, a partial ARN or a wildcard."
  }
}

variable "database_password_secret_arn" {
  description = "Full ARN of the Secrets Manager secret holding the database password (batch-score's PostgreSQL), read by the function at cold start into quarkus.datasource.password; the role may read this secret only. For a JSON secret, as RDS manages them, append the key: <arn>#password. null = none."
  type        = string
  default     = null

  validation {
    condition     = var.database_password_secret_arn == null || can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:[A-Za-z0-9/_+=.@!-]+(#[^#,\\s]+)?$", var.database_password_secret_arn))
    error_message = "database_password_secret_arn must be a full Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>-<suffix>), optionally followed by #<JSON key> (e.g. #password for an RDS-managed secret); not a name, a partial ARN or a wildcard."
  }
}

variable "secrets_kms_key_arn" {
  description = "ARN of the customer managed KMS key encrypting those secrets; grants kms:Decrypt on it. null when they use Secrets Manager's AWS managed key (aws/secretsmanager), which needs no grant."
  type        = string
  default     = null

  validation {
    condition     = var.secrets_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.secrets_kms_key_arn))
    error_message = "secrets_kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), not an alias or a wildcard."
  }
}

variable "kafka_sasl_scram_secret_arn" {
  description = <<-EOT
    Full ARN of the Secrets Manager secret holding the SASL/SCRAM credentials of the function's Kafka clients (e.g.
    event-score's producer to MSK's SASL/SCRAM listener, port 9096), in MSK's format: a JSON SecretString
    {"username": "...", "password": "..."}. MSK associates only secrets whose name starts with AmazonMSK_ and that are
    encrypted with a customer managed KMS key: pass that key as secrets_kms_key_arn (required with this variable), so
    the role may decrypt the secret.
    When set, the function reads both keys at cold start (INFERFN_SECRETS_PROPERTIES:
    inferfn.kafka.sasl.username=<arn>#username, inferfn.kafka.sasl.password=<arn>#password) and the module sets
    KAFKA_SASL_MECHANISM = SCRAM-SHA-512 and KAFKA_SASL_JAAS_CONFIG = a ScramLoginModule line whose username and
    password are the configuration expressions $${inferfn.kafka.sasl.username} and $${inferfn.kafka.sasl.password},
    expanded from the secret when the function starts: the password is in neither the environment nor the state.
    The role may read this secret only (secretsmanager:GetSecretValue on exactly this ARN). The password must not
    contain " or \ (the JAAS line quotes it), nor the sequence $${ (read as an expression). Set the protocol yourself
    (KAFKA_SECURITY_PROTOCOL = SASL_SSL in environment). null (default) = no SASL.
  EOT
  type        = string
  default     = null

  validation {
    condition     = var.kafka_sasl_scram_secret_arn == null || can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:AmazonMSK_[A-Za-z0-9/_+=.@-]*-[A-Za-z0-9]{6}$", var.kafka_sasl_scram_secret_arn))
    error_message = "kafka_sasl_scram_secret_arn must be the full ARN of an MSK SCRAM secret, arn:aws:secretsmanager:<region>:<account>:secret:AmazonMSK_<name>-<6-character suffix> (MSK requires the AmazonMSK_ prefix), e.g. arn:aws:secretsmanager:eu-central-1:123456789012:secret:AmazonMSK_inferfn-event-score-AbCdEf; not a name, a partial ARN, a wildcard or an ARN with #<key> (the module reads #username and #password itself)."
  }
}

variable "feature_store_timeout" {
  description = "Budget of the one Redis round trip per request (INFERFN_FEATURE_STORE_TIMEOUT); past it the request is scored degraded."
  type        = string
  default     = "25ms"

  validation {
    condition     = can(regex("^[0-9]+(ms|s)$", var.feature_store_timeout))
    error_message = "feature_store_timeout must be a duration like 25ms or 1s."
  }
}

variable "java_tool_options" {
  description = "JAVA_TOOL_OPTIONS of a JVM build (C1 only by default: fastest time to first prediction). Not set for native builds."
  type        = string
  default     = "-XX:+TieredCompilation -XX:TieredStopAtLevel=1"
}

variable "environment" {
  description = "Extra environment variables merged into the function's environment (e.g. QUARKUS_LOG_LEVEL, QUARKUS_DATASOURCE_JDBC_URL, KAFKA_SECURITY_PROTOCOL). Keys managed by this module are refused: set them through their variables (KAFKA_SASL_MECHANISM too, when kafka_sasl_scram_secret_arn is set). Secrets are refused too, whatever their case: any key containing PASSWORD (QUARKUS_REDIS_PASSWORD, QUARKUS_DATASOURCE_PASSWORD, KAFKA_SSL_KEY_PASSWORD, ...) and KAFKA_SASL_JAAS_CONFIG (it holds the Kafka password). Lambda's environment is readable by anyone allowed lambda:GetFunctionConfiguration and sits in the state; pass redis_auth_token_secret_arn / database_password_secret_arn / kafka_sasl_scram_secret_arn instead."
  type        = map(string)
  default     = {}

  validation {
    condition = alltrue([for k in keys(var.environment) : can(regex("^[A-Za-z][A-Za-z0-9_]*$", k)) && !contains([
      "INFERFN_MODEL_LOCATIONS", "QUARKUS_REDIS_HOSTS", "INFERFN_FEATURE_STORE_TIMEOUT", "INFERFN_SECRETS_PROPERTIES",
      "JAVA_TOOL_OPTIONS", "DISABLE_SIGNAL_HANDLERS",
    ], k)])
    error_message = "environment keys must be identifiers ([A-Za-z][A-Za-z0-9_]*) and must not be one the module manages (INFERFN_MODEL_LOCATIONS, QUARKUS_REDIS_HOSTS, INFERFN_FEATURE_STORE_TIMEOUT, INFERFN_SECRETS_PROPERTIES, JAVA_TOOL_OPTIONS, DISABLE_SIGNAL_HANDLERS): use model_uri, redis_hosts, feature_store_timeout, the *_secret_arn variables, java_tool_options."
  }
  # Case-insensitive: SmallRye Config also reads kafka_sasl_jaas_config as kafka.sasl.jaas.config.
  validation {
    condition     = length([for k in keys(var.environment) : k if upper(k) == "KAFKA_SASL_JAAS_CONFIG"]) == 0
    error_message = "environment must not carry KAFKA_SASL_JAAS_CONFIG: a JAAS config holds the Kafka password in the clear. Store the SASL/SCRAM credentials in an MSK SCRAM secret (JSON {\"username\", \"password\"}, name AmazonMSK_...) and pass its ARN as kafka_sasl_scram_secret_arn: the module then sets KAFKA_SASL_MECHANISM and a KAFKA_SASL_JAAS_CONFIG that refers to the secret, which the function reads at cold start."
  }
  validation {
    condition     = length([for k in keys(var.environment) : k if strcontains(upper(k), "PASSWORD")]) == 0
    error_message = "environment must not carry secrets (${join(", ", [for k in keys(var.environment) : k if strcontains(upper(k), "PASSWORD")])}: keys containing PASSWORD are refused). Store them in Secrets Manager and pass redis_auth_token_secret_arn / database_password_secret_arn / kafka_sasl_scram_secret_arn, which the function reads at cold start."
  }
}

variable "async_invoke" {
  description = <<-EOT
    Asynchronous invocation settings of the live alias (aws_lambda_function_event_invoke_config), for functions
    invoked with InvocationType Event, e.g. by EventBridge Scheduler. null (default) = no configuration: Lambda's
    defaults apply (2 retries of a failed invocation, events kept up to 6 hours, no destination).
    - maximum_retry_attempts (0-2): retries after the function returns an error. 0 for work where a failure is
      deterministic (bad configuration, a 400) and every attempt is expensive (a batch shard rescans its data).
      Throttles and Lambda system errors are retried regardless, until maximum_event_age_in_seconds.
    - maximum_event_age_in_seconds (60-21600, null = Lambda's 21600): how long an event may wait to run.
    - on_failure_destination_arn: SQS queue ARN receiving an invocation record (request payload, error) once an event
      is given up. The execution role gets sqs:SendMessage on that queue ARN only. null = none.
  EOT
  type = object({
    maximum_retry_attempts       = number
    maximum_event_age_in_seconds = optional(number)
    on_failure_destination_arn   = optional(string)
  })
  default = null

  validation {
    condition = var.async_invoke == null ? true : (
      var.async_invoke.maximum_retry_attempts >= 0 && var.async_invoke.maximum_retry_attempts <= 2 &&
      floor(var.async_invoke.maximum_retry_attempts) == var.async_invoke.maximum_retry_attempts
    )
    error_message = "async_invoke.maximum_retry_attempts must be 0, 1 or 2 (Lambda's limits for asynchronous invocations)."
  }
  validation {
    condition = var.async_invoke == null ? true : (
      try(var.async_invoke.maximum_event_age_in_seconds, null) == null ? true : (
        var.async_invoke.maximum_event_age_in_seconds >= 60 && var.async_invoke.maximum_event_age_in_seconds <= 21600 &&
        floor(var.async_invoke.maximum_event_age_in_seconds) == var.async_invoke.maximum_event_age_in_seconds
      )
    )
    error_message = "async_invoke.maximum_event_age_in_seconds must be null (Lambda's default, 21600) or a whole number of seconds between 60 and 21600."
  }
  validation {
    condition = var.async_invoke == null ? true : (
      try(var.async_invoke.on_failure_destination_arn, null) == null ? true : can(regex("^arn:aws[a-z-]*:sqs:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,80}(\\.fifo)?$", var.async_invoke.on_failure_destination_arn))
    )
    error_message = "async_invoke.on_failure_destination_arn must be null or an SQS queue ARN (arn:aws:sqs:<region>:<account>:<queue>), no wildcards."
  }
}

variable "vpc_subnet_ids" {
  description = "Subnets for the function's ENIs (to reach ElastiCache). Empty = no VPC. Set together with vpc_security_group_ids."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for s in var.vpc_subnet_ids : can(regex("^subnet-[0-9a-f]+$", s))])
    error_message = "vpc_subnet_ids must be subnet ids (subnet-...)."
  }
}

variable "vpc_security_group_ids" {
  description = "Security groups of the function's ENIs. Empty = no VPC. Set together with vpc_subnet_ids."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for s in var.vpc_security_group_ids : can(regex("^sg-[0-9a-f]+$", s))])
    error_message = "vpc_security_group_ids must be security group ids (sg-...)."
  }
}

variable "tags" {
  description = "Tags for every resource the module creates."
  type        = map(string)
  default     = {}
}
