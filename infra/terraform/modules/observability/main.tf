# CloudWatch alarms and a dashboard over what the inferfn functions report on Lambda: AWS/Lambda's own metrics
# (errors, invocations, stream lag), AWS/SQS's for the dead-letter queues, and the functions' EMF metrics (namespace
# var.namespace), which they write to their log streams: no agent, no PutMetricData, so no permission beyond
# logs:PutLogEvents, which every function role already has.

locals {
  alarms = var.alarms_enabled

  # The EMF metrics' roll-up dimension sets (the functions leave model, version and reason out of a second set):
  # inferfn.predictions by {function, outcome}, inferfn.events.dead.letters with no dimension, inferfn.batch.runs by
  # {status}.
  predictions  = "inferfn.predictions"
  dead_letters = "inferfn.events.dead.letters"
  batch_runs   = "inferfn.batch.runs"

  dead_letter_alarm = local.alarms && var.watch_dead_letter_topic && contains(keys(var.functions), "event-score")
  batch_runs_alarm  = local.alarms && var.watch_batch_runs && contains(keys(var.functions), "batch-score")

  stream_metric = { kinesis = "IteratorAge", msk = "OffsetLag" }
  stream_threshold = {
    kinesis = var.iterator_age_threshold_ms
    msk     = var.offset_lag_threshold
  }

  datapoints_to_alarm = min(var.datapoints_to_alarm, var.evaluation_periods)
}

# --- per function: error rate and degraded ratio -------------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "error_rate" {
  for_each = local.alarms ? var.functions : {}

  alarm_name          = "${var.name}-${each.key}-error-rate"
  alarm_description   = "${each.value}: more than ${var.error_rate_threshold_percent}% of invocations failed (AWS/Lambda Errors / Invocations). The function's log group holds each failure with its AWSRequestId."
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.error_rate_threshold_percent
  evaluation_periods  = var.evaluation_periods
  datapoints_to_alarm = local.datapoints_to_alarm
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
  tags                = var.tags

  metric_query {
    id          = "error_rate"
    label       = "error rate (%)"
    expression  = "IF(invocations > 0, 100 * errors / invocations, 0)"
    return_data = true
  }
  metric_query {
    id = "errors"
    metric {
      namespace   = "AWS/Lambda"
      metric_name = "Errors"
      dimensions  = { FunctionName = each.value }
      stat        = "Sum"
      period      = var.period_seconds
    }
  }
  metric_query {
    id = "invocations"
    metric {
      namespace   = "AWS/Lambda"
      metric_name = "Invocations"
      dimensions  = { FunctionName = each.value }
      stat        = "Sum"
      period      = var.period_seconds
    }
  }
}

resource "aws_cloudwatch_metric_alarm" "degraded_ratio" {
  for_each = local.alarms ? var.functions : {}

  alarm_name          = "${var.name}-${each.key}-degraded-ratio"
  alarm_description   = "${each.key}: more than ${var.degraded_ratio_threshold_percent}% of predictions were answered degraded (${local.predictions} outcome=degraded / all): online features missing or the feature store slow or down."
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.degraded_ratio_threshold_percent
  evaluation_periods  = var.evaluation_periods
  datapoints_to_alarm = local.datapoints_to_alarm
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
  tags                = var.tags

  metric_query {
    id          = "degraded_ratio"
    label       = "degraded (%)"
    expression  = "IF(FILL(degraded, 0) + FILL(ok, 0) > 0, 100 * FILL(degraded, 0) / (FILL(degraded, 0) + FILL(ok, 0)), 0)"
    return_data = true
  }
  metric_query {
    id = "degraded"
    metric {
      namespace   = var.namespace
      metric_name = local.predictions
      dimensions  = { function = each.key, outcome = "degraded" }
      stat        = "Sum"
      period      = var.period_seconds
    }
  }
  metric_query {
    id = "ok"
    metric {
      namespace   = var.namespace
      metric_name = local.predictions
      dimensions  = { function = each.key, outcome = "ok" }
      stat        = "Sum"
      period      = var.period_seconds
    }
  }
}

# --- dead-letter queues: something landed there, and nobody has looked ---------------------------------------------

resource "aws_cloudwatch_metric_alarm" "dlq_depth" {
  for_each = local.alarms ? var.dead_letter_queues : {}

  alarm_name          = "${var.name}-${each.key}-dlq-depth"
  alarm_description   = "${each.value}: more than ${var.dlq_depth_threshold} message(s) in the dead-letter queue; inspect them and redrive once the cause is fixed."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateNumberOfMessagesVisible"
  dimensions          = { QueueName = each.value }
  statistic           = "Maximum"
  period              = var.period_seconds
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.dlq_depth_threshold
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "dlq_age" {
  for_each = local.alarms ? var.dead_letter_queues : {}

  alarm_name          = "${var.name}-${each.key}-dlq-oldest-message-age"
  alarm_description   = "${each.value}: a message has waited more than ${var.dlq_oldest_message_age_threshold_seconds} s in the dead-letter queue (it is deleted after the queue's retention)."
  namespace           = "AWS/SQS"
  metric_name         = "ApproximateAgeOfOldestMessage"
  dimensions          = { QueueName = each.value }
  statistic           = "Maximum"
  period              = var.period_seconds
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.dlq_oldest_message_age_threshold_seconds
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
  tags                = var.tags
}

resource "aws_cloudwatch_metric_alarm" "dead_letter_topic" {
  count = local.dead_letter_alarm ? 1 : 0

  alarm_name          = "${var.name}-event-score-dead-letters"
  alarm_description   = "event-score sent more than ${var.dead_letter_threshold} reading(s) to its Kafka dead-letter topic (${local.dead_letters}, all reasons; by reason on the dashboard). Each dead letter carries its reason in its headers."
  namespace           = var.namespace
  metric_name         = local.dead_letters
  statistic           = "Sum"
  period              = var.period_seconds
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.dead_letter_threshold
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
  tags                = var.tags
}

# --- streams: the function is falling behind ------------------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "stream_lag" {
  for_each = local.alarms ? var.stream_mappings : {}

  alarm_name          = "${var.name}-${each.key}-${lower(local.stream_metric[each.value.source])}"
  alarm_description   = "${each.value.function_name}: ${local.stream_metric[each.value.source]} above ${local.stream_threshold[each.value.source]} (${each.value.source == "kinesis" ? "ms since the last record read was written" : "records not yet processed"}): the function is falling behind its ${each.value.source} source."
  namespace           = "AWS/Lambda"
  metric_name         = local.stream_metric[each.value.source]
  dimensions          = { FunctionName = each.value.function_name }
  statistic           = "Maximum"
  period              = var.period_seconds
  comparison_operator = "GreaterThanThreshold"
  threshold           = local.stream_threshold[each.value.source]
  evaluation_periods  = var.evaluation_periods
  datapoints_to_alarm = local.datapoints_to_alarm
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
  tags                = var.tags
}

# --- batch-score: a shard run failed --------------------------------------------------------------------------------

resource "aws_cloudwatch_metric_alarm" "batch_failures" {
  count = local.batch_runs_alarm ? 1 : 0

  alarm_name          = "${var.name}-batch-score-failed-runs"
  alarm_description   = "More than ${var.failed_batch_runs_threshold} batch-score shard run(s) failed (${local.batch_runs} status=failed); a run rerun with the same runId replaces its predictions."
  namespace           = var.namespace
  metric_name         = local.batch_runs
  dimensions          = { status = "failed" }
  statistic           = "Sum"
  period              = var.period_seconds
  comparison_operator = "GreaterThanThreshold"
  threshold           = var.failed_batch_runs_threshold
  evaluation_periods  = 1
  treat_missing_data  = "notBreaching"
  alarm_actions       = var.alarm_actions
  ok_actions          = var.alarm_actions
  tags                = var.tags
}

# --- dashboard -----------------------------------------------------------------------------------------------------

locals {
  alarm_arns = concat(
    [for a in aws_cloudwatch_metric_alarm.error_rate : a.arn],
    [for a in aws_cloudwatch_metric_alarm.degraded_ratio : a.arn],
    [for a in aws_cloudwatch_metric_alarm.dlq_depth : a.arn],
    [for a in aws_cloudwatch_metric_alarm.dlq_age : a.arn],
    [for a in aws_cloudwatch_metric_alarm.dead_letter_topic : a.arn],
    [for a in aws_cloudwatch_metric_alarm.stream_lag : a.arn],
    [for a in aws_cloudwatch_metric_alarm.batch_failures : a.arn],
  )

  widget = { width = 12, height = 6 }

  metric_widgets = concat(
    [
      {
        type = "metric", width = local.widget.width, height = local.widget.height
        properties = {
          title = "Invocations and errors", region = var.region, stat = "Sum", period = var.period_seconds
          metrics = flatten([for k, f in var.functions : [
            ["AWS/Lambda", "Invocations", "FunctionName", f, { label = "${k} invocations" }],
            ["AWS/Lambda", "Errors", "FunctionName", f, { label = "${k} errors" }],
          ]])
        }
      },
      {
        type = "metric", width = local.widget.width, height = local.widget.height
        properties = {
          title   = "Duration p99 (ms)", region = var.region, stat = "p99", period = var.period_seconds
          metrics = [for k, f in var.functions : ["AWS/Lambda", "Duration", "FunctionName", f, { label = k }]]
        }
      },
      {
        type = "metric", width = local.widget.width, height = local.widget.height
        properties = {
          title = "Predictions by outcome", region = var.region, stat = "Sum", period = var.period_seconds
          metrics = flatten([for k, f in var.functions : [
            [var.namespace, local.predictions, "function", k, "outcome", "ok", { label = "${k} ok" }],
            [var.namespace, local.predictions, "function", k, "outcome", "degraded", { label = "${k} degraded" }],
          ]])
        }
      },
      {
        type = "metric", width = local.widget.width, height = local.widget.height
        properties = {
          title = "Throttles and concurrency", region = var.region, stat = "Maximum", period = var.period_seconds
          metrics = flatten([for k, f in var.functions : [
            ["AWS/Lambda", "Throttles", "FunctionName", f, { label = "${k} throttles", stat = "Sum" }],
            ["AWS/Lambda", "ConcurrentExecutions", "FunctionName", f, { label = "${k} concurrency" }],
          ]])
        }
      },
    ],
    length(var.dead_letter_queues) == 0 ? [] : [
      {
        type = "metric", width = local.widget.width, height = local.widget.height
        properties = {
          title = "Dead-letter queues: depth and oldest message (s)", region = var.region, stat = "Maximum", period = var.period_seconds
          metrics = flatten([for k, q in var.dead_letter_queues : [
            ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", q, { label = "${k} depth" }],
            ["AWS/SQS", "ApproximateAgeOfOldestMessage", "QueueName", q, { label = "${k} oldest (s)", yAxis = "right" }],
          ]])
        }
      },
    ],
    length(var.stream_mappings) == 0 ? [] : [
      {
        type = "metric", width = local.widget.width, height = local.widget.height
        properties = {
          title   = "Streams: iterator age (ms) / offset lag", region = var.region, stat = "Maximum", period = var.period_seconds
          metrics = [for k, m in var.stream_mappings : ["AWS/Lambda", local.stream_metric[m.source], "FunctionName", m.function_name, { label = k }]]
        }
      },
    ],
    !contains(keys(var.functions), "event-score") ? [] : [
      {
        type = "metric", width = local.widget.width, height = local.widget.height
        properties = {
          title   = "event-score: dead letters", region = var.region, stat = "Sum", period = var.period_seconds
          metrics = [[var.namespace, local.dead_letters, { label = "all reasons" }]]
        }
      },
    ],
    !contains(keys(var.functions), "batch-score") ? [] : [
      {
        type = "metric", width = local.widget.width, height = local.widget.height
        properties = {
          title   = "batch-score: runs by status", region = var.region, stat = "Sum", period = var.period_seconds
          metrics = [for s in ["succeeded", "failed", "rejected"] : [var.namespace, local.batch_runs, "status", s, { label = s }]]
        }
      },
    ],
  )

  alarm_widgets = length(local.alarm_arns) == 0 ? [] : [
    {
      type       = "alarm", width = 24, height = 4
      properties = { title = "Alarms", alarms = local.alarm_arns }
    },
  ]
}

resource "aws_cloudwatch_dashboard" "this" {
  count = var.dashboard_enabled ? 1 : 0

  dashboard_name = var.name
  dashboard_body = jsonencode({ widgets = concat(local.alarm_widgets, local.metric_widgets) })
}
