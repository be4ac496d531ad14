# Native builds (GraalVM): provided.al2023, no SnapStart. Mocked AWS provider (mock_provider "aws").
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

run "native_arm64" {
  command = plan

  variables {
    build_kind = "native"
  }

  assert {
    condition     = aws_lambda_function.this.runtime == "provided.al2023" && aws_lambda_function.this.architectures == tolist(["arm64"])
    error_message = "native build must run on provided.al2023 (arm64 here)"
  }
  assert {
    condition     = length(aws_lambda_function.this.snap_start) == 0
    error_message = "native builds have no SnapStart"
  }
  assert {
    condition     = aws_lambda_function.this.memory_size == 512
    error_message = "native builds default to 512 MB"
  }
  assert {
    condition     = aws_lambda_function.this.handler == "not.used.in.provided.runtime"
    error_message = "provided runtimes do not use the handler"
  }
  assert {
    condition     = aws_lambda_function.this.environment[0].variables["DISABLE_SIGNAL_HANDLERS"] == "true" && !contains(keys(aws_lambda_function.this.environment[0].variables), "JAVA_TOOL_OPTIONS")
    error_message = "native environment: DISABLE_SIGNAL_HANDLERS=true, no JAVA_TOOL_OPTIONS"
  }
}

run "native_x86_64" {
  command = plan

  variables {
    build_kind   = "native"
    architecture = "x86_64"
  }

  assert {
    condition     = aws_lambda_function.this.runtime == "provided.al2023" && aws_lambda_function.this.architectures == tolist(["x86_64"]) && aws_lambda_function.this.memory_size == 512
    error_message = "native x86_64 with the default 512 MB expected"
  }
}

run "native_snap_start_flag_is_ignored" {
  command = plan

  variables {
    build_kind = "native"
    snap_start = true
  }

  assert {
    condition     = length(aws_lambda_function.this.snap_start) == 0
    error_message = "SnapStart must never be set on a provided runtime"
  }
  assert {
    condition     = aws_lambda_function.this.memory_size == 512
    error_message = "snap_start = true must not lift a native build to the JVM + SnapStart default: 512 MB expected"
  }
}

run "native_with_provisioned_concurrency" {
  command = plan

  variables {
    build_kind              = "native"
    provisioned_concurrency = { min_capacity = 1, max_capacity = 5, target_utilization = 0.5 }
  }

  assert {
    condition     = aws_appautoscaling_policy.live[0].target_tracking_scaling_policy_configuration[0].target_value == 0.5 && aws_appautoscaling_target.live[0].max_capacity == 5
    error_message = "native builds may use provisioned concurrency with the given target"
  }
}

run "native_explicit_memory_wins" {
  command = plan

  variables {
    build_kind  = "native"
    memory_size = 1024
  }

  assert {
    condition     = aws_lambda_function.this.memory_size == 1024
    error_message = "an explicit memory_size must win over the native default (512)"
  }
}
