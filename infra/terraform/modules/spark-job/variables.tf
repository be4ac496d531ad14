variable "name" {
  description = "Base name: the EMR Serverless application and the schedule are <name>, the roles <name>-job and <name>-scheduler, the DLQ <name>-dlq, the log group /aws/emr-serverless/<name>."
  type        = string

  validation {
    # 64 (IAM role name limit) - length("-scheduler")
    condition     = can(regex("^[A-Za-z0-9_-]{1,54}$", var.name))
    error_message = "name must be 1-54 characters of letters, digits, '-' or '_' (<name>-scheduler must fit IAM's 64-character role name limit)."
  }
}

# --- the application ---------------------------------------------------------------------------

variable "release_label" {
  description = "EMR Serverless release of the application. The job jar is built for Spark 4.0 (Scala 2.13, Java 17): emr-spark-8.0.0 (Spark 4.0.2, Iceberg 1.10.1, Scala 2.13, Corretto 17) is the first GA release that runs it. emr-6.x / emr-7.x ship Spark 3.x on Scala 2.12, where the jar cannot load."
  type        = string
  default     = "emr-spark-8.0.0"

  validation {
    condition     = can(regex("^emr-spark-([89]|[1-9][0-9]+)\\.[0-9]+\\.[0-9]+$", var.release_label))
    error_message = "release_label must be a Spark 4 release, emr-spark-<major>.<minor>.<patch> with major >= 8 (e.g. emr-spark-8.0.0): the job jar is built for Spark 4.0 / Scala 2.13 / Java 17, and emr-6.x / emr-7.x releases run Spark 3.x on Scala 2.12, where it cannot load. The emr-spark-8.0-preview label is superseded by emr-spark-8.0.0."
  }
}

variable "image_uri" {
  description = "Optional custom image (ECR URI with a tag or digest) built FROM the release's base image, e.g. to add native libraries. null = the release's own image. A custom image cannot change the Spark version: pick a Spark 4 release_label."
  type        = string
  default     = null

  validation {
    condition     = var.image_uri == null || can(regex("^[0-9]{12}\\.dkr\\.ecr\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?/[a-z0-9._/-]+(:[A-Za-z0-9_][A-Za-z0-9._-]{0,127}|@sha256:[0-9a-f]{64})$", var.image_uri))
    error_message = "image_uri must be an ECR image URI with a tag or digest, e.g. 123456789012.dkr.ecr.eu-central-1.amazonaws.com/inferfn-spark:1 (or null)."
  }
}

variable "architecture" {
  description = "CPU architecture of the workers: X86_64 (default, the architecture the project's scores are tested on) or ARM64 (Graviton). The ONNX Runtime jar carries linux-x64 and linux-aarch64 natives, so both load; compare a run's scores before switching, int8 kernels differ per instruction set."
  type        = string
  default     = "X86_64"

  validation {
    condition     = contains(["X86_64", "ARM64"], var.architecture)
    error_message = "architecture must be \"X86_64\" or \"ARM64\" (upper case, as EMR Serverless spells them)."
  }
}

variable "maximum_capacity" {
  description = "Ceiling of everything the application's workers may hold at once (EMR Serverless stops adding workers at it): vcpu, memory_gb, disk_gb. The default, 32 vCPU / 128 GB, is one driver and seven executors of EMR's default 4 vCPU / 16 GB worker; it is the cost ceiling of a run."
  type = object({
    vcpu      = number
    memory_gb = number
    disk_gb   = optional(number, 1000)
  })
  default = {
    vcpu      = 32
    memory_gb = 128
  }

  validation {
    condition = (
      var.maximum_capacity.vcpu >= 1 && floor(var.maximum_capacity.vcpu) == var.maximum_capacity.vcpu &&
      floor(var.maximum_capacity.memory_gb) == var.maximum_capacity.memory_gb &&
      var.maximum_capacity.memory_gb >= 2 * var.maximum_capacity.vcpu && var.maximum_capacity.memory_gb <= 8 * var.maximum_capacity.vcpu &&
      var.maximum_capacity.disk_gb >= 20 && floor(var.maximum_capacity.disk_gb) == var.maximum_capacity.disk_gb
    )
    error_message = "maximum_capacity must be whole numbers: vcpu >= 1, memory_gb between 2 and 8 GB per vCPU (workers hold 2-8 GB per vCPU, so a ceiling outside that range can never be reached on one axis), disk_gb >= 20, e.g. { vcpu = 32, memory_gb = 128 }."
  }
}

variable "initial_capacity" {
  description = <<-EOT
    Optional pre-initialised workers, kept warm while the application is started (billed while idle): driver and/or
    executor, each { count, vcpu (1, 2, 4, 8 or 16), memory_gb (2-8 per vCPU; at most 30 for 4 vCPU, 60 for 8,
    120 for 16), disk_gb (20-200, default 20) }. Default none: a nightly job starts its workers on submission
    (auto_start) and the application stops after auto_stop_idle_timeout_minutes, so nothing is billed between runs.
  EOT
  type = object({
    driver = optional(object({
      count     = number
      vcpu      = number
      memory_gb = number
      disk_gb   = optional(number, 20)
    }))
    executor = optional(object({
      count     = number
      vcpu      = number
      memory_gb = number
      disk_gb   = optional(number, 20)
    }))
  })
  default  = {}
  nullable = false

  validation {
    condition = alltrue([for w in [var.initial_capacity.driver, var.initial_capacity.executor] : w == null ? true : (
      w.count >= 1 && floor(w.count) == w.count &&
      contains([1, 2, 4, 8, 16], w.vcpu) &&
      w.memory_gb >= 2 * w.vcpu && w.memory_gb <= lookup({ "1" = 8, "2" = 16, "4" = 30, "8" = 60, "16" = 120 }, tostring(w.vcpu), 0) &&
      floor(w.memory_gb) == w.memory_gb &&
      w.disk_gb >= 20 && w.disk_gb <= 200 && floor(w.disk_gb) == w.disk_gb
    )])
    error_message = "initial_capacity workers need count >= 1, vcpu 1, 2, 4, 8 or 16, memory_gb from 2 GB per vCPU up to 8 (1 vCPU), 16 (2), 30 (4), 60 (8) or 120 (16), and disk_gb 20-200, all whole numbers, e.g. executor = { count = 2, vcpu = 4, memory_gb = 16 }."
  }
}

variable "auto_start_enabled" {
  description = "Start the application when a job run is submitted (the schedule only submits; keep true unless you start the application yourself)."
  type        = bool
  default     = true
}

variable "auto_stop_idle_timeout_minutes" {
  description = "Stop the application (releasing any initial capacity) after this many idle minutes (1-10080). null disables auto-stop: only with initial_capacity you want kept warm, and billed, around the clock."
  type        = number
  default     = 15

  validation {
    condition     = var.auto_stop_idle_timeout_minutes == null ? true : (var.auto_stop_idle_timeout_minutes >= 1 && var.auto_stop_idle_timeout_minutes <= 10080 && floor(var.auto_stop_idle_timeout_minutes) == var.auto_stop_idle_timeout_minutes)
    error_message = "auto_stop_idle_timeout_minutes must be a whole number of minutes between 1 and 10080 (7 days), or null to never stop."
  }
}

variable "subnet_ids" {
  description = "Private subnets for the workers' network interfaces, to reach Redis (the feature store) or a JDBC source in the VPC. Empty = no VPC. Set together with security_group_ids. In a VPC the job reaches S3 and Glue through a NAT gateway or VPC endpoints (S3 gateway, Glue interface)."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for s in var.subnet_ids : can(regex("^subnet-[0-9a-f]+$", s))]) && length(var.subnet_ids) <= 16
    error_message = "subnet_ids must be at most 16 subnet ids (subnet-...)."
  }
}

variable "security_group_ids" {
  description = "Security groups of the workers' network interfaces (at most 5). Empty = no VPC. Set together with subnet_ids; Redis's security group must admit 6379 from these."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for s in var.security_group_ids : can(regex("^sg-[0-9a-f]+$", s))]) && length(var.security_group_ids) <= 5
    error_message = "security_group_ids must be at most 5 security group ids (sg-...)."
  }
}

# --- what the job runs -----------------------------------------------------------------------

variable "job_jar_uri" {
  description = "S3 URI of the Spark job's jar (the spark module's shaded jar), e.g. s3://acme-artifacts/spark/inferfn-spark.jar: the job run's EntryPoint. The job role may read this one object only."
  type        = string

  validation {
    condition     = can(regex("^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/[^*?]*[^/*?]\\.jar$", var.job_jar_uri))
    error_message = "job_jar_uri must be the s3:// URI of one .jar object, e.g. s3://acme-artifacts/spark/inferfn-spark.jar (no wildcards, not a prefix)."
  }
}

variable "main_class" {
  description = "Main class of the job (spark-submit --class)."
  type        = string
  default     = "io.inferfn.spark.SparkScore"

  validation {
    condition     = can(regex("^[A-Za-z_$][A-Za-z0-9_$]*(\\.[A-Za-z_$][A-Za-z0-9_$]*)+$", var.main_class))
    error_message = "main_class must be a fully qualified Java class name, e.g. io.inferfn.spark.SparkScore."
  }
}

variable "model_uri" {
  description = "S3 prefix of the published model version the job scores with, ending in '/', e.g. s3://<registry bucket>/models/churn/3/ (the model-registry module's models_uri_prefix + <name>/<version>/): passed as --model; the job role may read objects under this prefix only."
  type        = string

  validation {
    condition     = can(regex("^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/([^*?]+/)+$", var.model_uri))
    error_message = "model_uri must look like s3://<bucket>/<prefix>/ (a prefix ending in '/', no wildcards), e.g. s3://my-models/models/churn/3/."
  }
}

variable "model_kms_key_arn" {
  description = "KMS key encrypting the model registry bucket (the model-registry module's kms_key_arn): the job role gets kms:Decrypt on it. null when the bucket uses SSE-S3."
  type        = string
  default     = null

  validation {
    condition     = var.model_kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", var.model_kms_key_arn))
    error_message = "model_kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>), not an alias or a wildcard."
  }
}

variable "source_uri" {
  description = "What the job reads, passed verbatim as --source (the Spark job's source grammar: a Parquet prefix, an Iceberg table or a JDBC table). The job role's read access to it comes from source_s3_uris (Parquet on S3), the Glue database grant (an Iceberg table in glue_database_name) or the database's own credentials (JDBC)."
  type        = string

  validation {
    condition     = can(regex("^\\S+$", var.source_uri)) && length(var.source_uri) <= 1024
    error_message = "source_uri must be one argument without whitespace (at most 1024 characters), e.g. parquet:s3://acme-lake/customers/ or iceberg:lake.customers."
  }
}

variable "source_s3_uris" {
  description = "S3 prefixes (ending in '/') the source reads, e.g. [\"s3://acme-lake/customers/\"] for a Parquet source: the job role may list and read under these prefixes only. Empty when the source is an Iceberg table in glue_database_name or a JDBC table."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for u in var.source_s3_uris : can(regex("^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/([^*?]+/)+$", u))])
    error_message = "source_s3_uris must be s3://<bucket>/<prefix>/ prefixes ending in '/', without wildcards (a whole bucket is not accepted)."
  }
}

variable "extra_arguments" {
  description = "Further arguments appended to the job's arguments after --model/--source/--sink/--run-id (e.g. [\"--batch-size\", \"1024\"]). No secrets: job arguments are visible to whoever may GetJobRun."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for a in var.extra_arguments : can(regex("\\S", a)) && !contains(["--model", "--source", "--sink", "--run-id"], a)])
    error_message = "extra_arguments must be non-blank and must not repeat --model, --source, --sink or --run-id (the module sets them from model_uri, source_uri, sink_table and the schedule)."
  }
}

# --- Iceberg on Glue -------------------------------------------------------------------------

variable "glue_database_name" {
  description = "Glue database holding the predictions table (and, optionally, an Iceberg source table). The job role's Glue permissions are on this database and its tables only."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9_]{1,255}$", var.glue_database_name))
    error_message = "glue_database_name must be 1-255 lowercase letters, digits or '_' (Glue stores names in lower case, and Spark reads the sink as <db>.<table>)."
  }
}

variable "create_glue_database" {
  description = "true (default): the module creates glue_database_name, located at <warehouse_uri><db>.db. false: the database exists already (e.g. shared with other jobs); the role's grants are the same."
  type        = bool
  default     = true
}

variable "sink_table" {
  description = "Iceberg table the predictions go to, in glue_database_name: passed as --sink iceberg:<db>.<table>. The job creates it on its first run."
  type        = string

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_]{0,254}$", var.sink_table))
    error_message = "sink_table must be a lowercase identifier (letters, digits, '_', not starting with a digit), e.g. churn_predictions."
  }
}

variable "rejects_table" {
  description = "Table the job writes rejected rows to, in glue_database_name. null = <sink_table>_rejects (batch-score's sink convention). Only this table and sink_table may be created or updated by the job."
  type        = string
  default     = null

  validation {
    condition     = var.rejects_table == null || can(regex("^[a-z_][a-z0-9_]{0,254}$", coalesce(var.rejects_table, "x")))
    error_message = "rejects_table must be null or a lowercase identifier (letters, digits, '_', not starting with a digit)."
  }
}

variable "warehouse_uri" {
  description = "S3 prefix of the Iceberg warehouse (ending in '/'), e.g. s3://acme-lake/warehouse/: the Glue catalog's warehouse; tables live under <warehouse><db>.db/<table>/. The job role may read, write and delete under this prefix only."
  type        = string

  validation {
    condition     = can(regex("^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/([^*?]+/)+$", var.warehouse_uri))
    error_message = "warehouse_uri must be s3://<bucket>/<prefix>/ with a prefix ending in '/' and no wildcards, e.g. s3://acme-lake/warehouse/ (a whole bucket is not accepted: the grant would be the bucket)."
  }
}

variable "catalog_name" {
  description = "Name of the Spark catalog backed by Glue (spark.sql.catalog.<name>); also spark.sql.defaultCatalog, so the job's <db>.<table> resolves in it."
  type        = string
  default     = "glue"

  validation {
    condition     = can(regex("^[a-z_][a-z0-9_]{0,63}$", var.catalog_name)) && var.catalog_name != "spark_catalog"
    error_message = "catalog_name must be a lowercase identifier other than spark_catalog (Spark's session catalog), e.g. glue."
  }
}

variable "iceberg_runtime_jar" {
  description = "Iceberg Spark runtime jar added with spark.jars. Default: the one EMR Serverless ships (the path its Iceberg guide gives). null when the job jar bundles iceberg-spark-runtime itself; never both, or two Iceberg versions meet on the classpath."
  type        = string
  default     = "/usr/share/aws/iceberg/lib/iceberg-spark3-runtime.jar"

  validation {
    condition     = var.iceberg_runtime_jar == null || can(regex("^(/|s3://|local:///)\\S+\\.jar$", coalesce(var.iceberg_runtime_jar, "/x.jar")))
    error_message = "iceberg_runtime_jar must be null or a .jar path on the image (/usr/share/...), local:///... or s3://..."
  }
}

variable "spark_conf" {
  description = "Further Spark properties, e.g. { \"spark.executor.cores\" = \"4\", \"spark.executor.memory\" = \"14g\", \"spark.dynamicAllocation.maxExecutors\" = \"7\" }, added as --conf key=value. The module's own (catalog, extensions, default catalog, jars) cannot be redefined."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k, v in var.spark_conf : can(regex("^spark\\.[A-Za-z0-9._-]+$", k)) && can(regex("^\\S+$", v))])
    error_message = "spark_conf keys must be spark.* property names and values must be non-empty without whitespace (they become --conf key=value)."
  }
}

# --- logs --------------------------------------------------------------------------------------

variable "cloudwatch_logs_enabled" {
  description = "Send the job's driver and executor logs (stdout, stderr) to a log group the module creates, /aws/emr-serverless/<name>."
  type        = bool
  default     = true
}

variable "log_retention_days" {
  description = "Retention of that log group in days; one of CloudWatch Logs' allowed values (0 = never expire)."
  type        = number
  default     = 30

  validation {
    condition     = contains([0, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of CloudWatch Logs' values: 0 (never expire), 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653."
  }
}

variable "log_uri" {
  description = "Optional S3 prefix (ending in '/') the job's logs and Spark event logs are also written to, e.g. s3://acme-logs/emr-serverless/: the job role may write under it only. null = CloudWatch (and EMR's managed storage) only."
  type        = string
  default     = null

  validation {
    condition     = var.log_uri == null || can(regex("^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/([^*?]+/)*$", coalesce(var.log_uri, "s3://xxx/")))
    error_message = "log_uri must be null or an s3://<bucket>/<prefix>/ URI ending in '/', without wildcards."
  }
}

variable "data_kms_key_arns" {
  description = "Customer managed KMS keys encrypting the buckets the job reads or writes (job jar, source, warehouse, S3 logs): kms:Decrypt and kms:GenerateDataKey on these keys only. Empty when they use SSE-S3 or aws/s3."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for k in var.data_kms_key_arns : can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$", k))])
    error_message = "data_kms_key_arns must be KMS key ARNs (arn:aws:kms:<region>:<account>:key/<id>), not aliases or wildcards."
  }
}

# --- the schedule ------------------------------------------------------------------------------

variable "schedule_expression" {
  description = "When to start a run: cron(...), rate(...) or at(...) in EventBridge Scheduler syntax, e.g. cron(0 2 * * ? *)."
  type        = string

  validation {
    condition     = can(regex("^(cron|rate|at)\\(.+\\)$", var.schedule_expression))
    error_message = "schedule_expression must start with cron(, rate( or at( and end with ), e.g. cron(0 2 * * ? *) or rate(1 day)."
  }
}

variable "timezone" {
  description = "IANA time zone the expression is evaluated in (e.g. Europe/Berlin)."
  type        = string
  default     = "UTC"

  validation {
    condition     = can(regex("^(UTC|[A-Za-z]+(/[A-Za-z0-9_+-]+)+)$", var.timezone))
    error_message = "timezone must be UTC or an IANA name like Europe/Berlin."
  }
}

variable "enabled" {
  description = "Whether the schedule is ENABLED (true) or DISABLED (false). The application and roles exist either way, for manual runs."
  type        = bool
  default     = true
}

variable "maximum_retry_attempts" {
  description = "EventBridge Scheduler's retries of a failed StartJobRun call (throttling, a 5xx) before the event goes to the DLQ (0-185). They cover submitting the run, not the run itself (see job_max_attempts)."
  type        = number
  default     = 3

  validation {
    condition     = var.maximum_retry_attempts >= 0 && var.maximum_retry_attempts <= 185 && floor(var.maximum_retry_attempts) == var.maximum_retry_attempts
    error_message = "maximum_retry_attempts must be a whole number between 0 and 185."
  }
}

variable "maximum_event_age_in_seconds" {
  description = "Age after which an undelivered StartJobRun goes to the DLQ (60-86400 s)."
  type        = number
  default     = 3600

  validation {
    condition     = var.maximum_event_age_in_seconds >= 60 && var.maximum_event_age_in_seconds <= 86400 && floor(var.maximum_event_age_in_seconds) == var.maximum_event_age_in_seconds
    error_message = "maximum_event_age_in_seconds must be a whole number between 60 and 86400."
  }
}

variable "dlq_enabled" {
  description = "Create an encrypted SQS DLQ (<name>-dlq, 14 days) for StartJobRun calls that failed after the retries (as the schedule module does for batch-score). false: failed submissions are only visible in the schedule's CloudWatch metrics."
  type        = bool
  default     = true
}

variable "job_max_attempts" {
  description = "Attempts EMR Serverless makes of one job run (1-10; RetryPolicy.MaxAttempts in BATCH mode). 1 (default): a failed run is not retried, as batch-score's Lambda retries are off: a deterministic failure would fail again at full cost. A retry is safe either way: it carries the same --run-id and replaces that run's rows."
  type        = number
  default     = 1

  validation {
    condition     = var.job_max_attempts >= 1 && var.job_max_attempts <= 10 && floor(var.job_max_attempts) == var.job_max_attempts
    error_message = "job_max_attempts must be a whole number between 1 and 10."
  }
}

variable "execution_timeout_minutes" {
  description = "EMR Serverless cancels a run after this many minutes (ExecutionTimeoutMinutes; EMR's own default is 720). A cancelled run commits nothing; the next run (or a manual rerun of the same run id) starts over."
  type        = number
  default     = 360

  validation {
    condition     = var.execution_timeout_minutes >= 1 && var.execution_timeout_minutes <= 10080 && floor(var.execution_timeout_minutes) == var.execution_timeout_minutes
    error_message = "execution_timeout_minutes must be a whole number between 1 and 10080 (7 days)."
  }
}

variable "tags" {
  description = "Tags for every resource the module creates that supports them."
  type        = map(string)
  default     = {}
}
