# Inputs an operator can get wrong are refused at plan time with a message saying what is expected. Mocked AWS provider.
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
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/churn-spark-job" }
  }
}

variables {
  name                = "churn-spark"
  job_jar_uri         = "s3://acme-artifacts/spark/inferfn-spark-0.1.0.jar"
  model_uri           = "s3://acme-models/models/churn/3/"
  source_uri          = "parquet:s3://acme-lake/customers/"
  glue_database_name  = "gold"
  sink_table          = "churn_predictions"
  warehouse_uri       = "s3://acme-lake/warehouse/"
  schedule_expression = "cron(0 2 * * ? *)"
}

run "accepts_a_later_spark_4_release" {
  command = plan
  variables {
    release_label = "emr-spark-8.1.0"
  }
  assert {
    condition     = aws_emrserverless_application.this.release_label == "emr-spark-8.1.0"
    error_message = "a later emr-spark-8.x release is accepted"
  }
}

run "rejects_spark_3_release" {
  command = plan
  variables {
    release_label = "emr-7.12.0"
  }
  expect_failures = [var.release_label]
}

run "rejects_preview_release_label" {
  command = plan
  variables {
    release_label = "emr-spark-8.0-preview"
  }
  expect_failures = [var.release_label]
}

run "rejects_bad_schedule_expression" {
  command = plan
  variables {
    schedule_expression = "0 2 * * *"
  }
  expect_failures = [var.schedule_expression]
}

run "rejects_memory_below_two_gb_per_vcpu" {
  command = plan
  variables {
    maximum_capacity = { vcpu = 32, memory_gb = 32 }
  }
  expect_failures = [var.maximum_capacity]
}

run "rejects_fractional_vcpu" {
  command = plan
  variables {
    maximum_capacity = { vcpu = 2.5, memory_gb = 16 }
  }
  expect_failures = [var.maximum_capacity]
}

run "rejects_worker_size_emr_does_not_offer" {
  command = plan
  variables {
    initial_capacity = { executor = { count = 2, vcpu = 3, memory_gb = 12 } }
  }
  expect_failures = [var.initial_capacity]
}

run "rejects_too_much_memory_for_a_worker" {
  command = plan
  variables {
    initial_capacity = { executor = { count = 2, vcpu = 4, memory_gb = 32 } }
  }
  expect_failures = [var.initial_capacity]
}

run "rejects_initial_capacity_above_maximum" {
  command = plan
  variables {
    maximum_capacity = { vcpu = 16, memory_gb = 64 }
    initial_capacity = { executor = { count = 5, vcpu = 4, memory_gb = 16 } }
  }
  expect_failures = [aws_emrserverless_application.this]
}

run "rejects_subnets_without_security_groups" {
  command = plan
  variables {
    subnet_ids = ["subnet-0a1b2c3d"]
  }
  expect_failures = [aws_emrserverless_application.this]
}

run "rejects_spark_conf_redefining_the_catalog" {
  command = plan
  variables {
    spark_conf = { "spark.sql.catalog.glue.warehouse" = "s3://elsewhere/" }
  }
  expect_failures = [aws_emrserverless_application.this]
}

run "rejects_lowercase_architecture" {
  command = plan
  variables {
    architecture = "arm64"
  }
  expect_failures = [var.architecture]
}

run "rejects_whole_bucket_warehouse" {
  command = plan
  variables {
    warehouse_uri = "s3://acme-lake/"
  }
  expect_failures = [var.warehouse_uri]
}

run "rejects_jar_prefix_instead_of_object" {
  command = plan
  variables {
    job_jar_uri = "s3://acme-artifacts/spark/"
  }
  expect_failures = [var.job_jar_uri]
}

run "rejects_model_wildcard" {
  command = plan
  variables {
    model_uri = "s3://acme-models/models/*"
  }
  expect_failures = [var.model_uri]
}

run "rejects_extra_argument_repeating_the_run_id" {
  command = plan
  variables {
    extra_arguments = ["--run-id", "2026-01-01"]
  }
  expect_failures = [var.extra_arguments]
}

run "rejects_kms_alias" {
  command = plan
  variables {
    data_kms_key_arns = ["alias/aws/s3"]
  }
  expect_failures = [var.data_kms_key_arns]
}

run "rejects_utc_offset_as_timezone" {
  command = plan
  variables {
    timezone = "+01:00"
  }
  expect_failures = [var.timezone]
}

run "rejects_glue_database_with_uppercase" {
  command = plan
  variables {
    glue_database_name = "Gold-Tier"
  }
  expect_failures = [var.glue_database_name]
}

run "rejects_spark_conf_setting_the_iceberg_jar" {
  command = plan
  variables {
    spark_conf = { "spark.jars" = "s3://elsewhere/iceberg.jar" }
  }
  expect_failures = [aws_emrserverless_application.this]
}
