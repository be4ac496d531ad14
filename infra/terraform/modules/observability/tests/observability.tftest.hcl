# Alarms and dashboard over the functions' EMF metrics and AWS's own. Runs against the mocked AWS provider.
mock_provider "aws" {
  override_during = plan

  mock_resource "aws_cloudwatch_metric_alarm" {
    defaults = { arn = "arn:aws:cloudwatch:eu-central-1:123456789012:alarm:mocked" }
  }
}

variables {
  name   = "inferfn"
  region = "eu-central-1"
  functions = {
    "http-predict" = "inferfn-http-predict"
    "event-score"  = "inferfn-event-score"
    "batch-score"  = "inferfn-batch-score"
  }
  dead_letter_queues = {
    "event-score"          = "inferfn-event-score-dlq"
    "batch-score-schedule" = "inferfn-batch-score-dlq"
  }
  stream_mappings = {
    "event-score-msk"     = { function_name = "inferfn-event-score", source = "msk" }
    "event-score-kinesis" = { function_name = "inferfn-event-score", source = "kinesis" }
  }
  alarm_actions = ["arn:aws:sns:eu-central-1:123456789012:inferfn-alarms"]
}

run "error_rate_is_errors_over_invocations_per_function" {
  command = plan

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.error_rate) == 3
    error_message = "one error-rate alarm per function"
  }
  assert {
    condition = alltrue([for k, a in aws_cloudwatch_metric_alarm.error_rate :
      a.threshold == 5 && a.comparison_operator == "GreaterThanThreshold" &&
      length([for q in a.metric_query : q if strcontains(coalesce(q.expression, "-"), "100 * errors / invocations") && q.return_data == true]) == 1 &&
      length([for m in flatten(a.metric_query[*].metric) : m if m.namespace == "AWS/Lambda" && m.metric_name == "Errors" && m.dimensions == tomap({ FunctionName = var.functions[k] })]) == 1 &&
      length([for m in flatten(a.metric_query[*].metric) : m if m.namespace == "AWS/Lambda" && m.metric_name == "Invocations" && m.dimensions == tomap({ FunctionName = var.functions[k] })]) == 1
    ])
    error_message = "the error-rate alarm must be 100 * Errors / Invocations of its own function, above 5%"
  }
  assert {
    condition     = aws_cloudwatch_metric_alarm.error_rate["http-predict"].alarm_name == "inferfn-http-predict-error-rate"
    error_message = "alarm names are <name>-<function>-error-rate"
  }
  assert {
    condition     = alltrue([for a in aws_cloudwatch_metric_alarm.error_rate : a.alarm_actions == toset(var.alarm_actions) && a.ok_actions == toset(var.alarm_actions)])
    error_message = "alarm_actions are notified when an alarm fires and when it clears"
  }
}

run "degraded_ratio_reads_the_emf_predictions_by_function_and_outcome" {
  command = plan

  assert {
    condition = alltrue([for k, a in aws_cloudwatch_metric_alarm.degraded_ratio :
      length([for m in flatten(a.metric_query[*].metric) : m if
        m.namespace == "inferfn" && m.metric_name == "inferfn.predictions" && m.dimensions == tomap({ function = k, outcome = "degraded" })
      ]) == 1 &&
      length([for m in flatten(a.metric_query[*].metric) : m if
        m.namespace == "inferfn" && m.metric_name == "inferfn.predictions" && m.dimensions == tomap({ function = k, outcome = "ok" })
      ]) == 1 &&
      a.threshold == 10
    ])
    error_message = "the degraded ratio is inferfn.predictions{function, outcome=degraded} over degraded + ok (the EMF roll-up set), above 10%"
  }
}

run "dead_letter_queues_alarm_on_depth_and_age" {
  command = plan

  assert {
    condition = alltrue([for k, q in var.dead_letter_queues :
      aws_cloudwatch_metric_alarm.dlq_depth[k].namespace == "AWS/SQS" &&
      aws_cloudwatch_metric_alarm.dlq_depth[k].metric_name == "ApproximateNumberOfMessagesVisible" &&
      aws_cloudwatch_metric_alarm.dlq_depth[k].dimensions["QueueName"] == q &&
      aws_cloudwatch_metric_alarm.dlq_depth[k].threshold == 0 &&
      aws_cloudwatch_metric_alarm.dlq_age[k].metric_name == "ApproximateAgeOfOldestMessage" &&
      aws_cloudwatch_metric_alarm.dlq_age[k].dimensions["QueueName"] == q &&
      aws_cloudwatch_metric_alarm.dlq_age[k].threshold == 86400
    ])
    error_message = "each DLQ gets a depth alarm (any message) and an oldest-message-age alarm (a day)"
  }
}

run "stream_mappings_alarm_on_iterator_age_or_offset_lag" {
  command = plan

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.stream_lag["event-score-kinesis"].metric_name == "IteratorAge" &&
      aws_cloudwatch_metric_alarm.stream_lag["event-score-kinesis"].threshold == 60000 &&
      aws_cloudwatch_metric_alarm.stream_lag["event-score-msk"].metric_name == "OffsetLag" &&
      aws_cloudwatch_metric_alarm.stream_lag["event-score-msk"].threshold == 10000 &&
      aws_cloudwatch_metric_alarm.stream_lag["event-score-msk"].dimensions["FunctionName"] == "inferfn-event-score"
    )
    error_message = "Kinesis mappings alarm on IteratorAge (ms), MSK mappings on OffsetLag (records)"
  }
}

run "dead_letter_topic_and_failed_batch_runs_read_the_emf_counters" {
  command = plan

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.dead_letter_topic[0].namespace == "inferfn" &&
      aws_cloudwatch_metric_alarm.dead_letter_topic[0].metric_name == "inferfn.events.dead.letters" &&
      length(coalesce(aws_cloudwatch_metric_alarm.dead_letter_topic[0].dimensions, {})) == 0
    )
    error_message = "the dead-letter alarm reads inferfn.events.dead.letters without a dimension (the EMF total over every reason)"
  }
  assert {
    condition = (
      aws_cloudwatch_metric_alarm.batch_failures[0].metric_name == "inferfn.batch.runs" &&
      aws_cloudwatch_metric_alarm.batch_failures[0].dimensions == tomap({ status = "failed" }) &&
      aws_cloudwatch_metric_alarm.batch_failures[0].statistic == "Sum"
    )
    error_message = "the batch-failure alarm reads inferfn.batch.runs{status=failed}"
  }
}

run "the_dashboard_shows_the_alarms_and_the_emf_metrics" {
  command = plan

  assert {
    condition     = aws_cloudwatch_dashboard.this[0].dashboard_name == "inferfn"
    error_message = "the dashboard is named after name"
  }
  assert {
    condition     = length([for w in jsondecode(aws_cloudwatch_dashboard.this[0].dashboard_body).widgets : w if w.type == "alarm"]) == 1
    error_message = "the dashboard has an alarm-status widget"
  }
  assert {
    condition     = strcontains(aws_cloudwatch_dashboard.this[0].dashboard_body, "\"inferfn.predictions\"") && strcontains(aws_cloudwatch_dashboard.this[0].dashboard_body, "ApproximateAgeOfOldestMessage") && strcontains(aws_cloudwatch_dashboard.this[0].dashboard_body, "IteratorAge")
    error_message = "the dashboard graphs predictions by outcome, the DLQs and the stream lag"
  }
}

run "alarms_disabled_removes_every_alarm_but_keeps_the_dashboard" {
  command = plan

  variables {
    alarms_enabled = false
  }

  assert {
    condition = (
      length(aws_cloudwatch_metric_alarm.error_rate) + length(aws_cloudwatch_metric_alarm.degraded_ratio) +
      length(aws_cloudwatch_metric_alarm.dlq_depth) + length(aws_cloudwatch_metric_alarm.dlq_age) +
      length(aws_cloudwatch_metric_alarm.stream_lag) + length(aws_cloudwatch_metric_alarm.dead_letter_topic) +
      length(aws_cloudwatch_metric_alarm.batch_failures) == 0
    )
    error_message = "alarms_enabled = false must remove every alarm"
  }
  assert {
    condition     = length(aws_cloudwatch_dashboard.this) == 1 && length([for w in jsondecode(aws_cloudwatch_dashboard.this[0].dashboard_body).widgets : w if w.type == "alarm"]) == 0
    error_message = "the dashboard stays, without an alarm widget"
  }
}

run "dashboard_disabled_removes_it" {
  command = plan

  variables {
    dashboard_enabled = false
  }

  assert {
    condition     = length(aws_cloudwatch_dashboard.this) == 0 && output.dashboard_name == null
    error_message = "dashboard_enabled = false must remove the dashboard"
  }
}

run "thresholds_are_variables" {
  command = plan

  variables {
    error_rate_threshold_percent     = 1
    degraded_ratio_threshold_percent = 25
    dlq_depth_threshold              = 10
    iterator_age_threshold_ms        = 5000
  }

  assert {
    condition = (
      aws_cloudwatch_metric_alarm.error_rate["event-score"].threshold == 1 &&
      aws_cloudwatch_metric_alarm.degraded_ratio["event-score"].threshold == 25 &&
      aws_cloudwatch_metric_alarm.dlq_depth["event-score"].threshold == 10 &&
      aws_cloudwatch_metric_alarm.stream_lag["event-score-kinesis"].threshold == 5000
    )
    error_message = "each threshold variable reaches its alarm"
  }
}

run "a_function_key_must_be_an_inferfn_function" {
  command = plan

  variables {
    functions = { "predict" = "inferfn-http-predict" }
  }

  expect_failures = [var.functions]
}
