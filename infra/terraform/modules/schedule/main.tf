locals {
  # arn:aws:lambda:<region>:<account>:function:<name>:<alias>
  account_id = split(":", var.function_alias_arn)[4]

  # The batch-score payload contract: runId (string, the same for every shard of one run),
  # shardIndex (int), shardCount (int), optional source and sink (strings).
  payloads = [for i in range(var.shard_count) : merge(
    {
      runId      = "<aws.scheduler.scheduled-time>"
      shardIndex = i
      shardCount = var.shard_count
    },
    var.source_uri == null ? {} : { source = var.source_uri },
    var.sink_uri == null ? {} : { sink = var.sink_uri },
  )]
  # jsonencode writes < and > as \u003c and \u003e (Go's HTML-safe escaping): valid JSON, but Scheduler's context
  # attributes are documented, and matched, as the literal <aws.scheduler.*> text, so they are written back literally
  # (hashicorp/terraform#26110, #38733).
  payload_json = [for p in local.payloads : replace(replace(jsonencode(p), "\\u003c", "<"), "\\u003e", ">")]
}

resource "aws_sqs_queue" "dlq" {
  name                      = "${var.name}-dlq"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = true
  tags                      = var.tags
}

resource "aws_iam_role" "scheduler" {
  name        = "${var.name}-scheduler"
  description = "EventBridge Scheduler role of ${var.name}: invoke the alias, dead-letter to the DLQ"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "SchedulerAssumeRole"
      Effect    = "Allow"
      Principal = { Service = "scheduler.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = local.account_id } }
    }]
  })
  tags = var.tags
}

resource "aws_iam_role_policy" "scheduler" {
  name = "${var.name}-invoke"
  role = aws_iam_role.scheduler.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "InvokeAlias"
        Effect   = "Allow"
        Action   = ["lambda:InvokeFunction"]
        Resource = [var.function_alias_arn]
      },
      {
        Sid      = "DeadLetter"
        Effect   = "Allow"
        Action   = ["sqs:SendMessage"]
        Resource = [aws_sqs_queue.dlq.arn]
      },
    ]
  })
}

resource "aws_scheduler_schedule" "shard" {
  count = var.shard_count

  name                         = "${var.name}-shard-${count.index}"
  description                  = "${var.name}: shard ${count.index} of ${var.shard_count}"
  schedule_expression          = var.schedule_expression
  schedule_expression_timezone = var.timezone
  state                        = var.enabled ? "ENABLED" : "DISABLED"

  flexible_time_window {
    mode = "OFF"
  }

  target {
    arn      = var.function_alias_arn
    role_arn = aws_iam_role.scheduler.arn
    input    = local.payload_json[count.index]

    retry_policy {
      maximum_retry_attempts       = var.maximum_retry_attempts
      maximum_event_age_in_seconds = var.maximum_event_age_in_seconds
    }

    dead_letter_config {
      arn = aws_sqs_queue.dlq.arn
    }
  }

  depends_on = [aws_iam_role_policy.scheduler]
}
