# Invalid inputs are refused with a clear message. Mocked AWS provider (mock_provider "aws").
mock_provider "aws" {
  override_during = plan

  mock_data "aws_partition" {
    defaults = { partition = "aws" }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:eu-central-1:123456789012:log-group:/aws/lambda/event-score" }
  }
  mock_resource "aws_lambda_function" {
    defaults = {
      arn     = "arn:aws:lambda:eu-central-1:123456789012:function:event-score"
      version = "3"
    }
  }
}

variables {
  function_name = "event-score"
  model_uri     = "s3://inferfn-models/models/fraud/2/"
  code_s3       = { bucket = "inferfn-artifacts", key = "event-score/function.zip" }
}

run "rejects_unknown_build_kind" {
  command = plan
  variables {
    build_kind = "graalvm"
  }
  expect_failures = [var.build_kind]
}

run "rejects_provisioned_concurrency_with_snapstart" {
  command = plan
  variables {
    build_kind              = "jvm"
    snap_start              = true
    provisioned_concurrency = { min_capacity = 2, max_capacity = 10 }
  }
  expect_failures = [aws_lambda_function.this]
}

run "rejects_invalid_log_retention" {
  command = plan
  variables {
    log_retention_days = 7777
  }
  expect_failures = [var.log_retention_days]
}

run "rejects_memory_out_of_range" {
  command = plan
  variables {
    memory_size = 64
  }
  expect_failures = [var.memory_size]
}

run "rejects_memory_above_lambda_maximum" {
  command = plan
  variables {
    memory_size = 10241
  }
  expect_failures = [var.memory_size]
}

run "rejects_fractional_memory" {
  command = plan
  variables {
    memory_size = 1769.5
  }
  expect_failures = [var.memory_size]
}

run "accepts_lambda_maximum_memory" {
  command = plan
  variables {
    memory_size = 10240
  }
  assert {
    condition     = aws_lambda_function.this.memory_size == 10240
    error_message = "10240 MB (Lambda's maximum) must be accepted"
  }
}

run "rejects_non_s3_model_uri" {
  command = plan
  variables {
    model_uri = "https://inferfn-models.s3.amazonaws.com/models/fraud/2"
  }
  expect_failures = [var.model_uri]
}

run "rejects_wildcard_model_prefix" {
  command = plan
  variables {
    model_uri = "s3://inferfn-models/models/*/"
  }
  expect_failures = [var.model_uri]
}

run "rejects_both_code_sources" {
  command = plan
  variables {
    code_zip_path = "tests/fixtures/function.zip"
  }
  expect_failures = [aws_lambda_function.this]
}

run "rejects_no_code_source" {
  command = plan
  variables {
    code_s3 = null
  }
  expect_failures = [aws_lambda_function.this]
}

run "rejects_plaintext_redis" {
  command = plan
  variables {
    redis_hosts = "redis://cache.internal:6379"
  }
  expect_failures = [var.redis_hosts]
}

run "rejects_overriding_managed_environment" {
  command = plan
  variables {
    environment = { INFERFN_MODEL_LOCATIONS = "s3://elsewhere/models/x/1/" }
  }
  expect_failures = [var.environment]
}

run "rejects_subnets_without_security_groups" {
  command = plan
  variables {
    vpc_subnet_ids = ["subnet-0a1b2c3d"]
  }
  expect_failures = [aws_lambda_function.this]
}

run "rejects_provisioned_max_below_min" {
  command = plan
  variables {
    snap_start              = false
    provisioned_concurrency = { min_capacity = 5, max_capacity = 2 }
  }
  expect_failures = [var.provisioned_concurrency]
}

run "model_sha256_must_be_64_hex_digits" {
  command = plan

  variables {
    model_sha256 = "not-a-hash"
  }

  expect_failures = [var.model_sha256]
}
