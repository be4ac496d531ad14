# Sharded batch schedule. Runs against the mocked AWS provider (mock_provider "aws").
mock_provider "aws" {
  override_during = plan

  mock_resource "aws_sqs_queue" {
    defaults = {
      arn = "arn:aws:sqs:eu-central-1:123456789012:batch-score-dlq"
      url = "https://sqs.eu-central-1.amazonaws.com/123456789012/batch-score-dlq"
    }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/batch-score-scheduler" }
  }
}

variables {
  name                = "batch-score"
  function_alias_arn  = "arn:aws:lambda:eu-central-1:123456789012:function:batch-score:live"
  schedule_expression = "cron(0 8 * * ? *)"
  timezone            = "Europe/Berlin"
  shard_count         = 4
}

run "one_schedule_per_shard" {
  command = plan

  assert {
    condition     = length(module.scheduler.schedules) == 4 && module.scheduler.schedules[3].name == "batch-score-shard-3"
    error_message = "four schedules named <name>-shard-<i> expected"
  }
  assert {
    condition = alltrue([for s in module.scheduler.schedules :
      s.schedule_expression == "cron(0 8 * * ? *)" && s.schedule_expression_timezone == "Europe/Berlin" && s.flexible_time_window[0].mode == "OFF" && s.state == "ENABLED"
    ])
    error_message = "cron in Europe/Berlin, no flexible window, enabled"
  }
  assert {
    condition     = alltrue([for s in module.scheduler.schedules : s.target[0].arn == var.function_alias_arn && s.target[0].role_arn == "arn:aws:iam::123456789012:role/batch-score-scheduler"])
    error_message = "every schedule must invoke the alias with the module's role"
  }
}

run "payload_contract" {
  command = plan

  assert {
    condition = [for s in module.scheduler.schedules : jsondecode(s.target[0].input)] == [for i in range(4) : {
      runId = "<aws.scheduler.scheduled-time>", shardIndex = i, shardCount = 4
    }]
    error_message = "each shard gets {runId, shardIndex, shardCount} and no source/sink by default"
  }
  assert {
    condition     = alltrue([for s in module.scheduler.schedules : strcontains(s.target[0].input, "\"runId\":\"<aws.scheduler.scheduled-time>\"")])
    error_message = "runId must be the literal <aws.scheduler.scheduled-time> text Scheduler replaces, not JSON-escaped as \\u003c...\\u003e"
  }
}

run "payload_with_source_and_sink" {
  command = plan

  variables {
    shard_count = 2
    source_uri  = "table:staging.customers"
    sink_uri    = "table:churn_predictions_backfill"
  }

  assert {
    condition = jsondecode(module.scheduler.schedules[1].target[0].input) == {
      runId = "<aws.scheduler.scheduled-time>", shardIndex = 1, shardCount = 2, source = "table:staging.customers", sink = "table:churn_predictions_backfill"
    }
    error_message = "source and sink overrides must be in the payload"
  }
}

run "accepts_sql_and_csv_overrides" {
  command = plan

  variables {
    source_uri = "sql: SELECT * FROM customers WHERE region = 'EU';"
    sink_uri   = "file:/tmp/out/churn.csv"
  }

  assert {
    condition     = jsondecode(module.scheduler.schedules[0].target[0].input).source == "sql: SELECT * FROM customers WHERE region = 'EU';" && jsondecode(module.scheduler.schedules[0].target[0].input).sink == "file:/tmp/out/churn.csv"
    error_message = "sql:<select> sources and file:<path>.csv sinks are what batch-score accepts"
  }
}

run "accepts_with_query" {
  command = plan
  variables {
    source_uri = "sql:with eu as (select * from customers) select * from eu"
  }
  assert {
    condition     = jsondecode(module.scheduler.schedules[0].target[0].input).source == "sql:with eu as (select * from customers) select * from eu"
    error_message = "a WITH query is one SELECT for batch-score"
  }
}

run "rejects_s3_source" {
  command = plan
  variables {
    source_uri = "s3://inferfn-batch/in/"
  }
  expect_failures = [var.source_uri]
}

run "rejects_parquet_source" {
  command = plan
  variables {
    source_uri = "file:/data/customers.parquet"
  }
  expect_failures = [var.source_uri]
}

run "rejects_table_that_is_not_an_identifier" {
  command = plan
  variables {
    source_uri = "table:customers; DROP TABLE customers"
  }
  expect_failures = [var.source_uri]
}

run "rejects_sql_that_is_not_one_select" {
  command = plan
  variables {
    source_uri = "sql:DELETE FROM customers"
  }
  expect_failures = [var.source_uri]
}

run "rejects_s3_sink" {
  command = plan
  variables {
    sink_uri = "s3://inferfn-batch/out/"
  }
  expect_failures = [var.sink_uri]
}

run "rejects_sql_sink" {
  command = plan
  variables {
    sink_uri = "sql:SELECT 1"
  }
  expect_failures = [var.sink_uri]
}

run "retries_and_dead_letter_queue" {
  command = plan

  variables {
    maximum_retry_attempts       = 5
    maximum_event_age_in_seconds = 7200
  }

  assert {
    condition     = alltrue([for s in module.scheduler.schedules : s.target[0].dead_letter_config[0].arn == "arn:aws:sqs:eu-central-1:123456789012:batch-score-dlq"])
    error_message = "every schedule must dead-letter to the module's DLQ"
  }
  assert {
    condition     = alltrue([for s in module.scheduler.schedules : s.target[0].retry_policy[0].maximum_retry_attempts == 5 && s.target[0].retry_policy[0].maximum_event_age_in_seconds == 7200])
    error_message = "retry policy must be applied"
  }
  assert {
    condition     = module.scheduler.dlq[0].sqs_managed_sse_enabled
    error_message = "the DLQ must be encrypted"
  }
}

run "scheduler_role_least_privilege" {
  command = plan

  assert {
    condition = jsondecode(output.policy_json).Statement == [
      { Sid = "InvokeAlias", Effect = "Allow", Action = ["lambda:InvokeFunction"], Resource = ["arn:aws:lambda:eu-central-1:123456789012:function:batch-score:live"] },
      { Sid = "DeadLetter", Effect = "Allow", Action = ["sqs:SendMessage"], Resource = ["arn:aws:sqs:eu-central-1:123456789012:batch-score-dlq"] },
    ]
    error_message = "invoke on the alias and send to the DLQ only"
  }
  assert {
    condition     = jsondecode(module.scheduler.role.assume_role_policy).Statement[0].Condition.StringEquals["aws:SourceAccount"] == "123456789012"
    error_message = "the trust policy must be limited to the function's account"
  }
}

run "rejects_zero_shards" {
  command = plan
  variables {
    shard_count = 0
  }
  expect_failures = [var.shard_count]
}

run "rejects_too_many_shards" {
  command = plan
  variables {
    shard_count = 1001
  }
  expect_failures = [var.shard_count]
}

run "rejects_bad_expression" {
  command = plan
  variables {
    schedule_expression = "0 8 * * *"
  }
  expect_failures = [var.schedule_expression]
}
