data "aws_partition" "current" {}
data "aws_caller_identity" "current" {}
data "aws_region" "current" {}

locals {
  partition  = data.aws_partition.current.partition
  account_id = data.aws_caller_identity.current.account_id
  region     = data.aws_region.current.name

  # s3://bucket/some/prefix/ -> arn:aws:s3:::bucket, "some/prefix/"
  s3_bucket_arn = { for u in distinct(concat([var.job_jar_uri, var.model_uri, var.warehouse_uri], var.source_s3_uris, var.log_uri == null ? [] : [var.log_uri])) :
    u => "arn:${local.partition}:s3:::${regex("^s3://([^/]+)/", u)[0]}"
  }
  s3_key = { for u in keys(local.s3_bucket_arn) : u => regex("^s3://[^/]+/(.*)$", u)[0] }

  job_jar_object_arn = "${local.s3_bucket_arn[var.job_jar_uri]}/${local.s3_key[var.job_jar_uri]}"
  model_prefix_arn   = "${local.s3_bucket_arn[var.model_uri]}/${local.s3_key[var.model_uri]}*"

  # Iceberg's GlueCatalog puts a table at <database location>/<table>; the database is located in the warehouse.
  database_location = "${var.warehouse_uri}${var.glue_database_name}.db"
  rejects_table     = coalesce(var.rejects_table, "${var.sink_table}_rejects")

  glue_catalog_arn  = "arn:${local.partition}:glue:${local.region}:${local.account_id}:catalog"
  glue_database_arn = "arn:${local.partition}:glue:${local.region}:${local.account_id}:database/${var.glue_database_name}"
  glue_tables_arn   = "arn:${local.partition}:glue:${local.region}:${local.account_id}:table/${var.glue_database_name}/*"
  glue_written_table_arns = [for t in [var.sink_table, local.rejects_table] :
    "arn:${local.partition}:glue:${local.region}:${local.account_id}:table/${var.glue_database_name}/${t}"
  ]

  vpc_enabled = length(var.subnet_ids) > 0 || length(var.security_group_ids) > 0

  # --- the job run ---------------------------------------------------------------------------
  managed_spark_conf = merge(
    var.iceberg_runtime_jar == null ? {} : { "spark.jars" = var.iceberg_runtime_jar },
    {
      "spark.sql.extensions"                                    = "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions"
      "spark.sql.catalog.${var.catalog_name}"                   = "org.apache.iceberg.spark.SparkCatalog"
      "spark.sql.catalog.${var.catalog_name}.catalog-impl"      = "org.apache.iceberg.aws.glue.GlueCatalog"
      "spark.sql.catalog.${var.catalog_name}.io-impl"           = "org.apache.iceberg.aws.s3.S3FileIO"
      "spark.sql.catalog.${var.catalog_name}.warehouse"         = var.warehouse_uri
      "spark.sql.catalog.${var.catalog_name}.glue.skip-archive" = "true"
      "spark.sql.defaultCatalog"                                = var.catalog_name
    },
  )
  overridden_conf = [for k in keys(var.spark_conf) : k if contains(keys(local.managed_spark_conf), k) || startswith(k, "spark.sql.catalog.${var.catalog_name}.")]
  spark_conf      = merge(var.spark_conf, local.managed_spark_conf)

  spark_submit_parameters = join(" ", concat(
    ["--class", var.main_class],
    flatten([for k in sort(keys(local.spark_conf)) : ["--conf", "${k}=${local.spark_conf[k]}"]]),
  ))

  # Scheduler fills in the context attributes at each invocation: the scheduled time is the same for every retry of
  # one slot, so a retried or repeated start of that slot writes the same run id, and the job replaces that run's rows.
  # ClientToken only allows [A-Za-z0-9._-] (no ':' as in the scheduled time), so it is the execution id.
  run_id = "<aws.scheduler.scheduled-time>"
  entry_point_arguments = concat(
    [
      "--model", var.model_uri,
      "--source", var.source_uri,
      "--sink", "iceberg:${var.glue_database_name}.${var.sink_table}",
      "--run-id", local.run_id,
    ],
    var.extra_arguments,
  )

  monitoring_configuration = merge(
    var.cloudwatch_logs_enabled ? {
      CloudWatchLoggingConfiguration = {
        Enabled      = true
        LogGroupName = aws_cloudwatch_log_group.this[0].name
        # Driver and executor stdout/stderr (EMR's default is the driver's only).
        LogTypes = {
          SPARK_DRIVER   = ["STDOUT", "STDERR"]
          SPARK_EXECUTOR = ["STDOUT", "STDERR"]
        }
      }
    } : {},
    var.log_uri == null ? {} : { S3MonitoringConfiguration = { LogUri = var.log_uri } },
  )

  # The StartJobRun request (EMR Serverless API, in the PascalCase of Scheduler's universal targets).
  start_job_run = merge(
    {
      ApplicationId    = aws_emrserverless_application.this.id
      ExecutionRoleArn = aws_iam_role.job.arn
      ClientToken      = "<aws.scheduler.execution-id>"
      Name             = "${var.name}-${local.run_id}"
      Mode             = "BATCH"
      JobDriver = {
        SparkSubmit = {
          EntryPoint            = var.job_jar_uri
          EntryPointArguments   = local.entry_point_arguments
          SparkSubmitParameters = local.spark_submit_parameters
        }
      }
      ExecutionTimeoutMinutes = var.execution_timeout_minutes
    },
    length(local.monitoring_configuration) == 0 ? {} : {
      ConfigurationOverrides = { MonitoringConfiguration = local.monitoring_configuration }
    },
    var.job_max_attempts == 1 ? {} : { RetryPolicy = { MaxAttempts = var.job_max_attempts } },
  )
  # jsonencode writes < and > as \u003c and \u003e (Go's HTML-safe escaping). Both are valid JSON, but Scheduler's
  # context attributes are documented, and matched, as the literal <aws.scheduler.*> text, so they are written back
  # literally (hashicorp/terraform#26110 and #38733: EventBridge placeholders are not replaced when escaped).
  start_job_run_json = replace(replace(jsonencode(local.start_job_run), "\\u003c", "<"), "\\u003e", ">")
}

# --- Glue database -------------------------------------------------------------------------------

resource "aws_glue_catalog_database" "this" {
  count = var.create_glue_database ? 1 : 0

  name         = var.glue_database_name
  description  = "inferfn: Iceberg tables written by ${var.name}"
  location_uri = local.database_location
  tags         = var.tags
}

# --- logs ----------------------------------------------------------------------------------------

resource "aws_cloudwatch_log_group" "this" {
  count = var.cloudwatch_logs_enabled ? 1 : 0

  name              = "/aws/emr-serverless/${var.name}"
  retention_in_days = var.log_retention_days
  tags              = var.tags
}

# --- the application -----------------------------------------------------------------------------

resource "aws_emrserverless_application" "this" {
  name          = var.name
  type          = "spark"
  release_label = var.release_label
  architecture  = var.architecture

  maximum_capacity {
    cpu    = "${var.maximum_capacity.vcpu} vCPU"
    memory = "${var.maximum_capacity.memory_gb} GB"
    disk   = "${var.maximum_capacity.disk_gb} GB"
  }

  dynamic "initial_capacity" {
    for_each = { for type, w in { Driver = var.initial_capacity.driver, Executor = var.initial_capacity.executor } : type => w if w != null }
    content {
      initial_capacity_type = initial_capacity.key
      initial_capacity_config {
        worker_count = initial_capacity.value.count
        worker_configuration {
          cpu    = "${initial_capacity.value.vcpu} vCPU"
          memory = "${initial_capacity.value.memory_gb} GB"
          disk   = "${initial_capacity.value.disk_gb} GB"
        }
      }
    }
  }

  auto_start_configuration {
    enabled = var.auto_start_enabled
  }

  auto_stop_configuration {
    enabled              = var.auto_stop_idle_timeout_minutes != null
    idle_timeout_minutes = var.auto_stop_idle_timeout_minutes
  }

  dynamic "image_configuration" {
    for_each = var.image_uri == null ? [] : [var.image_uri]
    content {
      image_uri = image_configuration.value
    }
  }

  dynamic "network_configuration" {
    for_each = local.vpc_enabled ? [1] : []
    content {
      subnet_ids         = var.subnet_ids
      security_group_ids = var.security_group_ids
    }
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = (length(var.subnet_ids) > 0) == (length(var.security_group_ids) > 0)
      error_message = "VPC access needs both subnet_ids and security_group_ids (or neither)."
    }
    precondition {
      condition = alltrue([
        sum(concat([0], [for w in [var.initial_capacity.driver, var.initial_capacity.executor] : w.count * w.vcpu if w != null])) <= var.maximum_capacity.vcpu,
        sum(concat([0], [for w in [var.initial_capacity.driver, var.initial_capacity.executor] : w.count * w.memory_gb if w != null])) <= var.maximum_capacity.memory_gb,
        sum(concat([0], [for w in [var.initial_capacity.driver, var.initial_capacity.executor] : w.count * w.disk_gb if w != null])) <= var.maximum_capacity.disk_gb,
      ])
      error_message = "initial_capacity (count x vcpu, memory_gb, disk_gb of driver and executor together) must fit within maximum_capacity: raise maximum_capacity or pre-initialise fewer workers."
    }
    precondition {
      condition     = length(local.overridden_conf) == 0
      error_message = "spark_conf may not set what the module manages (spark.jars, spark.sql.extensions, spark.sql.defaultCatalog, spark.sql.catalog.${var.catalog_name}.*): remove ${join(", ", local.overridden_conf)}. Use iceberg_runtime_jar, warehouse_uri and catalog_name instead."
    }
  }
}

# --- job execution role --------------------------------------------------------------------------

resource "aws_iam_role" "job" {
  name        = "${var.name}-job"
  description = "Execution role of the ${var.name} EMR Serverless job runs: read the jar, the model and the source, write the Iceberg table"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "EmrServerlessAssumeRole"
      Effect    = "Allow"
      Principal = { Service = "emr-serverless.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = {
        StringEquals = { "aws:SourceAccount" = local.account_id }
        # This application's job runs only (the application, or one of its job runs, depending on what the service
        # names as the source).
        ArnLike = { "aws:SourceArn" = [aws_emrserverless_application.this.arn, "${aws_emrserverless_application.this.arn}/jobruns/*"] }
      }
    }]
  })
  tags = var.tags
}

# No ec2 statement even with subnets: EMR Serverless creates the workers' network interfaces with its service-linked
# role (AmazonEMRServerlessServiceRolePolicy), not with the job role. No statement has Resource "*".
resource "aws_iam_role_policy" "job" {
  name = "${var.name}-job-least-privilege"
  role = aws_iam_role.job.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          Sid      = "ReadJobJar"
          Effect   = "Allow"
          Action   = ["s3:GetObject"]
          Resource = [local.job_jar_object_arn]
        },
        {
          Sid      = "ReadModelPrefix"
          Effect   = "Allow"
          Action   = ["s3:GetObject"]
          Resource = [local.model_prefix_arn]
        },
        {
          # Iceberg writes data, manifests and metadata files, and deletes the files of a commit that failed.
          Sid      = "ReadWriteWarehousePrefix"
          Effect   = "Allow"
          Action   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
          Resource = ["${local.s3_bucket_arn[var.warehouse_uri]}/${local.s3_key[var.warehouse_uri]}*"]
        },
        {
          # Without ListBucket a missing object answers 403 instead of 404, which Iceberg's existence checks take for
          # an error; the listing is limited to the warehouse prefix.
          Sid       = "ListWarehousePrefix"
          Effect    = "Allow"
          Action    = ["s3:ListBucket"]
          Resource  = [local.s3_bucket_arn[var.warehouse_uri]]
          Condition = { StringLike = { "s3:prefix" = ["${local.s3_key[var.warehouse_uri]}*"] } }
        },
        {
          # Iceberg's GlueCatalog: GetDatabase (namespace exists, its location for a new table), GetTable (load a
          # table, read the current metadata pointer before a commit), GetTables (list the database's tables).
          Sid      = "ReadGlueDatabase"
          Effect   = "Allow"
          Action   = ["glue:GetDatabase", "glue:GetTable", "glue:GetTables"]
          Resource = [local.glue_catalog_arn, local.glue_database_arn, local.glue_tables_arn]
        },
        {
          # The first commit creates the table, every later commit swaps its metadata pointer with UpdateTable
          # (optimistic, on the table's version id): on the predictions and rejects tables only.
          Sid      = "WriteGlueTables"
          Effect   = "Allow"
          Action   = ["glue:CreateTable", "glue:UpdateTable"]
          Resource = concat([local.glue_catalog_arn, local.glue_database_arn], local.glue_written_table_arns)
        },
      ],
      length(var.source_s3_uris) == 0 ? [] : [{
        Sid      = "ReadSourcePrefixes"
        Effect   = "Allow"
        Action   = ["s3:GetObject"]
        Resource = [for u in var.source_s3_uris : "${local.s3_bucket_arn[u]}/${local.s3_key[u]}*"]
      }],
      length(var.source_s3_uris) == 0 ? [] : [{
        Sid       = "ListSourcePrefixes"
        Effect    = "Allow"
        Action    = ["s3:ListBucket"]
        Resource  = distinct([for u in var.source_s3_uris : local.s3_bucket_arn[u]])
        Condition = { StringLike = { "s3:prefix" = [for u in var.source_s3_uris : "${local.s3_key[u]}*"] } }
      }],
      var.cloudwatch_logs_enabled ? [{
        Sid      = "WriteOwnLogGroup"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
        Resource = ["${aws_cloudwatch_log_group.this[0].arn}:*"]
      }] : [],
      # DescribeLogGroups is a list call: it is scoped to the account and region, not to one group.
      var.cloudwatch_logs_enabled ? [{
        Sid      = "DescribeLogGroupsInRegion"
        Effect   = "Allow"
        Action   = ["logs:DescribeLogGroups"]
        Resource = ["arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:*"]
      }] : [],
      var.log_uri == null ? [] : [{
        Sid      = "WriteS3Logs"
        Effect   = "Allow"
        Action   = ["s3:PutObject"]
        Resource = ["${local.s3_bucket_arn[var.log_uri]}/${local.s3_key[var.log_uri]}*"]
      }],
      var.model_kms_key_arn == null ? [] : [{
        Sid      = "DecryptModelRegistry"
        Effect   = "Allow"
        Action   = ["kms:Decrypt"]
        Resource = [var.model_kms_key_arn]
      }],
      length(var.data_kms_key_arns) == 0 ? [] : [{
        Sid      = "EncryptDecryptData"
        Effect   = "Allow"
        Action   = ["kms:Decrypt", "kms:GenerateDataKey"]
        Resource = var.data_kms_key_arns
      }],
      # AWS requires Resource "*": EMR Serverless creates the workers' network interfaces in the VPC with its
      # service-linked role, not with this one, so the job role needs no ec2 permissions even with subnets.
    )
  })
}

# --- the schedule ----------------------------------------------------------------------------------

module "scheduler" {
  source = "../scheduler"

  name             = var.name
  account_id       = local.account_id
  role_description = "EventBridge Scheduler role of ${var.name}: start job runs on the application with the job role"
  policy_name      = "${var.name}-start-job-run"
  target_arn       = "arn:${local.partition}:scheduler:::aws-sdk:emrserverless:startJobRun"
  target_statements = [
    {
      sid       = "StartJobRunOnApplication"
      actions   = ["emr-serverless:StartJobRun"]
      resources = [aws_emrserverless_application.this.arn]
    },
    {
      sid       = "PassJobRoleToEmrServerless"
      actions   = ["iam:PassRole"]
      resources = [aws_iam_role.job.arn]
      condition = { StringEquals = { "iam:PassedToService" = "emr-serverless.amazonaws.com" } }
    },
  ]
  schedules = [{
    name        = var.name
    description = "${var.name}: start the Spark scoring job on EMR Serverless"
    input       = local.start_job_run_json
  }]
  schedule_expression          = var.schedule_expression
  timezone                     = var.timezone
  enabled                      = var.enabled
  maximum_retry_attempts       = var.maximum_retry_attempts
  maximum_event_age_in_seconds = var.maximum_event_age_in_seconds
  dlq_enabled                  = var.dlq_enabled
  tags                         = var.tags

  # The job role's policy must exist before the first run reads the jar.
  depends_on = [aws_iam_role_policy.job]
}

# The resources' addresses before they moved into the shared scheduler module: an existing deployment keeps them.
moved {
  from = aws_sqs_queue.dlq
  to   = module.scheduler.aws_sqs_queue.dlq
}

moved {
  from = aws_iam_role.scheduler
  to   = module.scheduler.aws_iam_role.scheduler
}

moved {
  from = aws_iam_role_policy.scheduler
  to   = module.scheduler.aws_iam_role_policy.scheduler
}

moved {
  from = aws_scheduler_schedule.this
  to   = module.scheduler.aws_scheduler_schedule.this[0]
}
