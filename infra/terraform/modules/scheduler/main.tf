# EventBridge Scheduler schedules that call one target with a role of their own, a retry policy and an optional DLQ:
# the part the schedule module (batch-score, a schedule per shard) and the spark-job module (StartJobRun) share.

resource "aws_sqs_queue" "dlq" {
  count = var.dlq_enabled ? 1 : 0

  name                      = "${var.name}-dlq"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
  tags                      = var.tags
}

resource "aws_iam_role" "scheduler" {
  name        = "${var.name}-scheduler"
  description = var.role_description
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "SchedulerAssumeRole"
      Effect    = "Allow"
      Principal = { Service = "scheduler.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = var.account_id } }
    }]
  })
  tags = var.tags
}

resource "aws_iam_role_policy" "scheduler" {
  name = var.policy_name
  role = aws_iam_role.scheduler.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [for s in var.target_statements : merge(
        { Sid = s.sid, Effect = "Allow", Action = s.actions, Resource = s.resources },
        s.condition == null ? {} : { Condition = s.condition },
      )],
      var.dlq_enabled ? [{
        Sid      = "DeadLetter"
        Effect   = "Allow"
        Action   = ["sqs:SendMessage"]
        Resource = [aws_sqs_queue.dlq[0].arn]
      }] : [],
    )
  })
}

resource "aws_scheduler_schedule" "this" {
  count = length(var.schedules)

  name                         = var.schedules[count.index].name
  description                  = var.schedules[count.index].description
  schedule_expression          = var.schedule_expression
  schedule_expression_timezone = var.timezone
  state                        = var.enabled ? "ENABLED" : "DISABLED"

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = var.target_arn
    role_arn = aws_iam_role.scheduler.arn
    input    = var.schedules[count.index].input

    retry_policy {
      maximum_retry_attempts       = var.maximum_retry_attempts
      maximum_event_age_in_seconds = var.maximum_event_age_in_seconds
    }

    dynamic "dead_letter_config" {
      for_each = var.dlq_enabled ? [1] : []
      content {
        arn = aws_sqs_queue.dlq[0].arn
      }
    }
  }

  # The role may call the target only once its policy exists.
  depends_on = [aws_iam_role_policy.scheduler]
}
