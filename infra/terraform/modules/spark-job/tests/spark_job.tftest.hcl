# The Spark job on EMR Serverless: application, least-privilege roles and the scheduled StartJobRun. Runs against the
# mocked AWS provider (mock_provider "aws"): no AWS account, nothing is created.
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
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:eu-central-1:123456789012:log-group:/aws/emr-serverless/churn-spark" }
  }
  mock_resource "aws_sqs_queue" {
    defaults = { arn = "arn:aws:sqs:eu-central-1:123456789012:churn-spark-dlq" }
  }
}

override_resource {
  target          = aws_iam_role.job
  override_during = plan
  values          = { arn = "arn:aws:iam::123456789012:role/churn-spark-job" }
}

override_resource {
  target          = module.scheduler.aws_iam_role.scheduler
  override_during = plan
  values          = { arn = "arn:aws:iam::123456789012:role/churn-spark-scheduler" }
}

variables {
  name                = "churn-spark"
  job_jar_uri         = "s3://acme-artifacts/spark/inferfn-spark-0.1.0.jar"
  model_uri           = "s3://acme-models/models/churn/3/"
  source_uri          = "parquet:s3://acme-lake/customers/"
  source_s3_uris      = ["s3://acme-lake/customers/"]
  glue_database_name  = "gold"
  sink_table          = "churn_predictions"
  warehouse_uri       = "s3://acme-lake/warehouse/"
  schedule_expression = "cron(0 2 * * ? *)"
  timezone            = "Europe/Berlin"
}

run "spark_4_application_that_starts_and_stops_itself" {
  command = plan

  assert {
    condition     = aws_emrserverless_application.this.type == "spark" && aws_emrserverless_application.this.release_label == "emr-spark-8.0.0"
    error_message = "a Spark application on the Spark 4 release (emr-spark-8.0.0) by default"
  }
  assert {
    condition     = aws_emrserverless_application.this.architecture == "X86_64"
    error_message = "X86_64 by default"
  }
  assert {
    condition     = aws_emrserverless_application.this.auto_start_configuration[0].enabled && aws_emrserverless_application.this.auto_stop_configuration[0].enabled && aws_emrserverless_application.this.auto_stop_configuration[0].idle_timeout_minutes == 15
    error_message = "auto-start on submission, auto-stop after 15 idle minutes"
  }
  assert {
    condition     = aws_emrserverless_application.this.maximum_capacity[0].cpu == "32 vCPU" && aws_emrserverless_application.this.maximum_capacity[0].memory == "128 GB" && aws_emrserverless_application.this.maximum_capacity[0].disk == "1000 GB"
    error_message = "maximum capacity 32 vCPU / 128 GB / 1000 GB by default"
  }
  assert {
    condition     = length(aws_emrserverless_application.this.initial_capacity) == 0 && length(aws_emrserverless_application.this.network_configuration) == 0 && length(aws_emrserverless_application.this.image_configuration) == 0
    error_message = "no pre-initialised (idle-billed) workers, no VPC and no custom image unless asked"
  }
  assert {
    condition     = aws_glue_catalog_database.this[0].name == "gold" && aws_glue_catalog_database.this[0].location_uri == "s3://acme-lake/warehouse/gold.db"
    error_message = "the Glue database is created in the warehouse, where Iceberg puts its tables"
  }
}

run "job_role_reads_and_writes_exactly_what_it_is_given" {
  command = plan

  assert {
    condition = { for s in jsondecode(aws_iam_role_policy.job.policy).Statement : s.Sid => s } == {
      ReadJobJar = {
        Sid      = "ReadJobJar", Effect = "Allow", Action = ["s3:GetObject"]
        Resource = ["arn:aws:s3:::acme-artifacts/spark/inferfn-spark-0.1.0.jar"]
      }
      ReadModelPrefix = {
        Sid      = "ReadModelPrefix", Effect = "Allow", Action = ["s3:GetObject"]
        Resource = ["arn:aws:s3:::acme-models/models/churn/3/*"]
      }
      ReadWriteWarehousePrefix = {
        Sid      = "ReadWriteWarehousePrefix", Effect = "Allow", Action = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
        Resource = ["arn:aws:s3:::acme-lake/warehouse/*"]
      }
      ListWarehousePrefix = {
        Sid       = "ListWarehousePrefix", Effect = "Allow", Action = ["s3:ListBucket"], Resource = ["arn:aws:s3:::acme-lake"]
        Condition = { StringLike = { "s3:prefix" = ["warehouse/*"] } }
      }
      ReadGlueDatabase = {
        Sid = "ReadGlueDatabase", Effect = "Allow", Action = ["glue:GetDatabase", "glue:GetTable", "glue:GetTables"]
        Resource = [
          "arn:aws:glue:eu-central-1:123456789012:catalog",
          "arn:aws:glue:eu-central-1:123456789012:database/gold",
          "arn:aws:glue:eu-central-1:123456789012:table/gold/*",
        ]
      }
      WriteGlueTables = {
        Sid = "WriteGlueTables", Effect = "Allow", Action = ["glue:CreateTable", "glue:UpdateTable"]
        Resource = [
          "arn:aws:glue:eu-central-1:123456789012:catalog",
          "arn:aws:glue:eu-central-1:123456789012:database/gold",
          "arn:aws:glue:eu-central-1:123456789012:table/gold/churn_predictions",
          "arn:aws:glue:eu-central-1:123456789012:table/gold/churn_predictions_rejects",
        ]
      }
      ReadSourcePrefixes = {
        Sid = "ReadSourcePrefixes", Effect = "Allow", Action = ["s3:GetObject"], Resource = ["arn:aws:s3:::acme-lake/customers/*"]
      }
      ListSourcePrefixes = {
        Sid       = "ListSourcePrefixes", Effect = "Allow", Action = ["s3:ListBucket"], Resource = ["arn:aws:s3:::acme-lake"]
        Condition = { StringLike = { "s3:prefix" = ["customers/*"] } }
      }
      WriteOwnLogGroup = {
        Sid      = "WriteOwnLogGroup", Effect = "Allow", Action = ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"]
        Resource = ["arn:aws:logs:eu-central-1:123456789012:log-group:/aws/emr-serverless/churn-spark:*"]
      }
      DescribeLogGroupsInRegion = {
        Sid      = "DescribeLogGroupsInRegion", Effect = "Allow", Action = ["logs:DescribeLogGroups"]
        Resource = ["arn:aws:logs:eu-central-1:123456789012:log-group:*"]
      }
    }
    error_message = "the job role must grant the jar object, the model version prefix, the warehouse and source prefixes, the named database and the two written tables, the own log group: nothing else"
  }
  assert {
    condition = alltrue([for s in jsondecode(aws_iam_role_policy.job.policy).Statement :
      s.Effect == "Allow" && alltrue([for a in s.Action : !strcontains(a, "*")]) && alltrue([for r in s.Resource : r != "*" && !endswith(r, ":::*") && !endswith(r, ":*:*")])
    ])
    error_message = "no wildcard action and no Resource \"*\" (or a whole-service wildcard) in the job role"
  }
  assert {
    condition     = length([for s in jsondecode(aws_iam_role_policy.job.policy).Statement : s if startswith(s.Action[0], "kms:")]) == 0
    error_message = "no KMS permission unless a key is given"
  }
}

run "job_role_is_assumed_by_this_application_only" {
  command = plan

  assert {
    condition = one(jsondecode(aws_iam_role.job.assume_role_policy).Statement) == {
      Sid       = "EmrServerlessAssumeRole"
      Effect    = "Allow"
      Principal = { Service = "emr-serverless.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = {
        StringEquals = { "aws:SourceAccount" = "123456789012" }
        ArnLike = { "aws:SourceArn" = [
          "arn:aws:emr-serverless:eu-central-1:123456789012:/applications/00fm1a2b3c4d5e6f",
          "arn:aws:emr-serverless:eu-central-1:123456789012:/applications/00fm1a2b3c4d5e6f/jobruns/*",
        ] }
      }
    }
    error_message = "only EMR Serverless, from this account and for this application's runs, may assume the job role"
  }
}

run "schedule_starts_the_job_with_the_run_id_of_its_slot" {
  command = plan

  assert {
    condition     = module.scheduler.schedules[0].target[0].arn == "arn:aws:scheduler:::aws-sdk:emrserverless:startJobRun" && module.scheduler.schedules[0].target[0].role_arn == "arn:aws:iam::123456789012:role/churn-spark-scheduler"
    error_message = "the universal StartJobRun target, called with the scheduler role"
  }
  assert {
    condition     = module.scheduler.schedules[0].schedule_expression == "cron(0 2 * * ? *)" && module.scheduler.schedules[0].schedule_expression_timezone == "Europe/Berlin" && module.scheduler.schedules[0].state == "ENABLED" && module.scheduler.schedules[0].flexible_time_window[0].mode == "OFF"
    error_message = "cron in Europe/Berlin, no flexible window, enabled"
  }
  assert {
    condition = jsondecode(module.scheduler.schedules[0].target[0].input).JobDriver.SparkSubmit.EntryPointArguments == [
      "--model", "s3://acme-models/models/churn/3/",
      "--source", "parquet:s3://acme-lake/customers/",
      "--sink", "iceberg:gold.churn_predictions",
      "--run-id", "<aws.scheduler.scheduled-time>",
    ]
    error_message = "the job gets the model, the source, the Iceberg sink and the slot's scheduled time as its run id"
  }
  assert {
    condition = (
      jsondecode(module.scheduler.schedules[0].target[0].input).ApplicationId == "00fm1a2b3c4d5e6f" &&
      jsondecode(module.scheduler.schedules[0].target[0].input).ExecutionRoleArn == "arn:aws:iam::123456789012:role/churn-spark-job" &&
      jsondecode(module.scheduler.schedules[0].target[0].input).JobDriver.SparkSubmit.EntryPoint == "s3://acme-artifacts/spark/inferfn-spark-0.1.0.jar" &&
      jsondecode(module.scheduler.schedules[0].target[0].input).Name == "churn-spark-<aws.scheduler.scheduled-time>" &&
      jsondecode(module.scheduler.schedules[0].target[0].input).ClientToken == "<aws.scheduler.execution-id>" &&
      jsondecode(module.scheduler.schedules[0].target[0].input).Mode == "BATCH" &&
      jsondecode(module.scheduler.schedules[0].target[0].input).ExecutionTimeoutMinutes == 360
    )
    error_message = "StartJobRun on this application with the job role, the jar as entry point, a run name carrying the slot, a 6 h timeout"
  }
  assert {
    condition     = strcontains(module.scheduler.schedules[0].target[0].input, "\"--run-id\",\"<aws.scheduler.scheduled-time>\"") && strcontains(module.scheduler.schedules[0].target[0].input, "\"ClientToken\":\"<aws.scheduler.execution-id>\"") && !strcontains(module.scheduler.schedules[0].target[0].input, "\\u003c")
    error_message = "the context attributes are sent as the literal <aws.scheduler.*> text Scheduler replaces, not JSON-escaped as \\u003c...\\u003e"
  }
  assert {
    condition     = !contains(keys(jsondecode(module.scheduler.schedules[0].target[0].input)), "RetryPolicy")
    error_message = "a failed run is not retried by EMR unless job_max_attempts > 1"
  }
  assert {
    condition     = module.scheduler.schedules[0].target[0].retry_policy[0].maximum_retry_attempts == 3 && module.scheduler.schedules[0].target[0].dead_letter_config[0].arn == "arn:aws:sqs:eu-central-1:123456789012:churn-spark-dlq" && module.scheduler.dlq[0].sqs_managed_sse_enabled
    error_message = "submission retries, then an encrypted DLQ"
  }
}

run "spark_submit_parameters_wire_the_glue_iceberg_catalog" {
  command = plan

  assert {
    condition = split(" ", jsondecode(module.scheduler.schedules[0].target[0].input).JobDriver.SparkSubmit.SparkSubmitParameters) == tolist([
      "--class", "io.inferfn.spark.SparkScore",
      "--conf", "spark.jars=/usr/share/aws/iceberg/lib/iceberg-spark3-runtime.jar",
      "--conf", "spark.sql.catalog.glue=org.apache.iceberg.spark.SparkCatalog",
      "--conf", "spark.sql.catalog.glue.catalog-impl=org.apache.iceberg.aws.glue.GlueCatalog",
      "--conf", "spark.sql.catalog.glue.glue.skip-archive=true",
      "--conf", "spark.sql.catalog.glue.io-impl=org.apache.iceberg.aws.s3.S3FileIO",
      "--conf", "spark.sql.catalog.glue.warehouse=s3://acme-lake/warehouse/",
      "--conf", "spark.sql.defaultCatalog=glue",
      "--conf", "spark.sql.extensions=org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions",
    ])
    error_message = "the main class, EMR's Iceberg runtime, and a Glue-backed Iceberg catalog on the warehouse as the default catalog"
  }
  assert {
    condition     = output.spark_submit_parameters == jsondecode(module.scheduler.schedules[0].target[0].input).JobDriver.SparkSubmit.SparkSubmitParameters
    error_message = "the output shows what the schedule submits"
  }
}

run "job_logs_go_to_the_module_log_group" {
  command = plan

  assert {
    condition = jsondecode(module.scheduler.schedules[0].target[0].input).ConfigurationOverrides.MonitoringConfiguration == {
      CloudWatchLoggingConfiguration = {
        Enabled      = true
        LogGroupName = "/aws/emr-serverless/churn-spark"
        LogTypes     = { SPARK_DRIVER = ["STDOUT", "STDERR"], SPARK_EXECUTOR = ["STDOUT", "STDERR"] }
      }
    }
    error_message = "driver and executor stdout/stderr go to /aws/emr-serverless/<name>"
  }
  assert {
    condition     = aws_cloudwatch_log_group.this[0].retention_in_days == 30
    error_message = "the log group keeps 30 days by default"
  }
}

run "s3_logs_instead_of_cloudwatch" {
  command = plan

  variables {
    cloudwatch_logs_enabled = false
    log_uri                 = "s3://acme-logs/emr-serverless/"
  }

  assert {
    condition     = jsondecode(module.scheduler.schedules[0].target[0].input).ConfigurationOverrides.MonitoringConfiguration == { S3MonitoringConfiguration = { LogUri = "s3://acme-logs/emr-serverless/" } }
    error_message = "logs to the S3 prefix only"
  }
  assert {
    condition     = length(aws_cloudwatch_log_group.this) == 0 && length([for s in jsondecode(aws_iam_role_policy.job.policy).Statement : s if startswith(s.Action[0], "logs:")]) == 0
    error_message = "no log group and no logs permission without CloudWatch logs"
  }
  assert {
    condition = one([for s in jsondecode(aws_iam_role_policy.job.policy).Statement : s if s.Sid == "WriteS3Logs"]) == {
      Sid = "WriteS3Logs", Effect = "Allow", Action = ["s3:PutObject"], Resource = ["arn:aws:s3:::acme-logs/emr-serverless/*"]
    }
    error_message = "s3:PutObject under the log prefix only"
  }
}

run "scheduler_may_only_start_this_application_with_the_job_role" {
  command = plan

  assert {
    condition = jsondecode(output.scheduler_policy_json).Statement == [
      {
        Sid      = "StartJobRunOnApplication", Effect = "Allow", Action = ["emr-serverless:StartJobRun"]
        Resource = ["arn:aws:emr-serverless:eu-central-1:123456789012:/applications/00fm1a2b3c4d5e6f"]
      },
      {
        Sid       = "PassJobRoleToEmrServerless", Effect = "Allow", Action = ["iam:PassRole"]
        Resource  = ["arn:aws:iam::123456789012:role/churn-spark-job"]
        Condition = { StringEquals = { "iam:PassedToService" = "emr-serverless.amazonaws.com" } }
      },
      {
        Sid = "DeadLetter", Effect = "Allow", Action = ["sqs:SendMessage"], Resource = ["arn:aws:sqs:eu-central-1:123456789012:churn-spark-dlq"]
      },
    ]
    error_message = "StartJobRun on this application, PassRole of the job role to EMR Serverless only, send to the DLQ: nothing else"
  }
  assert {
    condition     = jsondecode(module.scheduler.role.assume_role_policy).Statement[0].Principal.Service == "scheduler.amazonaws.com" && jsondecode(module.scheduler.role.assume_role_policy).Statement[0].Condition.StringEquals["aws:SourceAccount"] == "123456789012"
    error_message = "only EventBridge Scheduler of this account may assume the scheduler role"
  }
}

run "disabled_schedule_without_dlq" {
  command = plan

  variables {
    enabled     = false
    dlq_enabled = false
  }

  assert {
    condition     = module.scheduler.schedules[0].state == "DISABLED"
    error_message = "enabled = false must disable the schedule"
  }
  assert {
    condition     = length(module.scheduler.dlq) == 0 && length(module.scheduler.schedules[0].target[0].dead_letter_config) == 0 && length([for s in jsondecode(output.scheduler_policy_json).Statement : s if s.Sid == "DeadLetter"]) == 0
    error_message = "no DLQ, no dead-letter config and no sqs permission with dlq_enabled = false"
  }
  assert {
    condition     = aws_emrserverless_application.this.name == "churn-spark" && output.job_role_arn == "arn:aws:iam::123456789012:role/churn-spark-job"
    error_message = "the application and the job role stay, for manual runs"
  }
}

run "keys_grant_kms_on_those_keys_only" {
  command = plan

  variables {
    model_kms_key_arn = "arn:aws:kms:eu-central-1:123456789012:key/0f1e2d3c-aaaa-bbbb-cccc-1234567890ab"
    data_kms_key_arns = ["arn:aws:kms:eu-central-1:123456789012:key/11111111-2222-3333-4444-555555555555"]
  }

  assert {
    condition = [for s in jsondecode(aws_iam_role_policy.job.policy).Statement : s if startswith(s.Action[0], "kms:")] == [
      { Sid = "DecryptModelRegistry", Effect = "Allow", Action = ["kms:Decrypt"], Resource = ["arn:aws:kms:eu-central-1:123456789012:key/0f1e2d3c-aaaa-bbbb-cccc-1234567890ab"] },
      { Sid = "EncryptDecryptData", Effect = "Allow", Action = ["kms:Decrypt", "kms:GenerateDataKey"], Resource = ["arn:aws:kms:eu-central-1:123456789012:key/11111111-2222-3333-4444-555555555555"] },
    ]
    error_message = "decrypt on the registry key, decrypt + data keys on the data key, nothing else"
  }
}

run "existing_glue_database_is_granted_the_same" {
  command = plan

  variables {
    create_glue_database = false
    glue_database_name   = "lake_gold"
    rejects_table        = "churn_rejected_rows"
  }

  assert {
    condition     = length(aws_glue_catalog_database.this) == 0 && output.glue_database_name == "lake_gold"
    error_message = "no database is created when it exists already"
  }
  assert {
    condition = one([for s in jsondecode(aws_iam_role_policy.job.policy).Statement : s.Resource if s.Sid == "WriteGlueTables"]) == [
      "arn:aws:glue:eu-central-1:123456789012:catalog",
      "arn:aws:glue:eu-central-1:123456789012:database/lake_gold",
      "arn:aws:glue:eu-central-1:123456789012:table/lake_gold/churn_predictions",
      "arn:aws:glue:eu-central-1:123456789012:table/lake_gold/churn_rejected_rows",
    ]
    error_message = "writes on the given database's predictions and rejects tables"
  }
  assert {
    condition     = jsondecode(module.scheduler.schedules[0].target[0].input).JobDriver.SparkSubmit.EntryPointArguments[5] == "iceberg:lake_gold.churn_predictions"
    error_message = "the sink names the given database"
  }
}

run "vpc_capacity_image_and_extra_settings" {
  command = plan

  variables {
    architecture                   = "ARM64"
    subnet_ids                     = ["subnet-0a1b2c3d", "subnet-0e1f2a3b"]
    security_group_ids             = ["sg-0123abcd"]
    image_uri                      = "123456789012.dkr.ecr.eu-central-1.amazonaws.com/inferfn-spark:1"
    maximum_capacity               = { vcpu = 64, memory_gb = 256, disk_gb = 2000 }
    initial_capacity               = { driver = { count = 1, vcpu = 4, memory_gb = 16 }, executor = { count = 4, vcpu = 4, memory_gb = 16, disk_gb = 50 } }
    auto_stop_idle_timeout_minutes = 30
    iceberg_runtime_jar            = null
    spark_conf                     = { "spark.executor.cores" = "4", "spark.dynamicAllocation.maxExecutors" = "15", "spark.sql.catalog.glue_archive" = "org.apache.iceberg.spark.SparkCatalog" }
    extra_arguments                = ["--batch-size", "1024"]
    job_max_attempts               = 2
  }

  assert {
    condition     = toset(aws_emrserverless_application.this.network_configuration[0].subnet_ids) == toset(["subnet-0a1b2c3d", "subnet-0e1f2a3b"]) && toset(aws_emrserverless_application.this.network_configuration[0].security_group_ids) == toset(["sg-0123abcd"])
    error_message = "the workers join the given subnets and security group"
  }
  assert {
    condition = { for c in aws_emrserverless_application.this.initial_capacity : c.initial_capacity_type => [c.initial_capacity_config[0].worker_count, c.initial_capacity_config[0].worker_configuration[0].cpu, c.initial_capacity_config[0].worker_configuration[0].memory, c.initial_capacity_config[0].worker_configuration[0].disk] } == {
      Driver   = [1, "4 vCPU", "16 GB", "20 GB"]
      Executor = [4, "4 vCPU", "16 GB", "50 GB"]
    }
    error_message = "pre-initialised driver and executors as given"
  }
  assert {
    condition     = aws_emrserverless_application.this.architecture == "ARM64" && aws_emrserverless_application.this.image_configuration[0].image_uri == "123456789012.dkr.ecr.eu-central-1.amazonaws.com/inferfn-spark:1" && aws_emrserverless_application.this.auto_stop_configuration[0].idle_timeout_minutes == 30
    error_message = "architecture, custom image and idle timeout as given"
  }
  assert {
    condition     = !strcontains(output.spark_submit_parameters, "spark.jars=") && strcontains(output.spark_submit_parameters, "--conf spark.executor.cores=4") && strcontains(output.spark_submit_parameters, "--conf spark.dynamicAllocation.maxExecutors=15") && strcontains(output.spark_submit_parameters, "--conf spark.sql.catalog.glue_archive=org.apache.iceberg.spark.SparkCatalog")
    error_message = "no EMR Iceberg jar when the job jar brings its own; extra Spark properties are passed, a second catalog too"
  }
  assert {
    condition     = slice(jsondecode(module.scheduler.schedules[0].target[0].input).JobDriver.SparkSubmit.EntryPointArguments, 8, 10) == ["--batch-size", "1024"] && jsondecode(module.scheduler.schedules[0].target[0].input).RetryPolicy == { MaxAttempts = 2 }
    error_message = "extra arguments after the managed ones; EMR retries the run when job_max_attempts > 1"
  }
  assert {
    condition     = length([for s in jsondecode(aws_iam_role_policy.job.policy).Statement : s if anytrue([for a in s.Action : startswith(a, "ec2:")])]) == 0
    error_message = "VPC access adds no ec2 permission to the job role (EMR's service-linked role creates the interfaces)"
  }
}
