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

module "scheduler" {
  source = "../scheduler"

  name             = var.name
  account_id       = local.account_id
  role_description = "EventBridge Scheduler role of ${var.name}: invoke the alias, dead-letter to the DLQ"
  policy_name      = "${var.name}-invoke"
  target_arn       = var.function_alias_arn
  target_statements = [{
    sid       = "InvokeAlias"
    actions   = ["lambda:InvokeFunction"]
    resources = [var.function_alias_arn]
  }]
  schedules = [for i in range(var.shard_count) : {
    name        = "${var.name}-shard-${i}"
    description = "${var.name}: shard ${i} of ${var.shard_count}"
    input       = local.payload_json[i]
  }]
  schedule_expression          = var.schedule_expression
  timezone                     = var.timezone
  enabled                      = var.enabled
  maximum_retry_attempts       = var.maximum_retry_attempts
  maximum_event_age_in_seconds = var.maximum_event_age_in_seconds
  tags                         = var.tags
}

# The resources' addresses before they moved into the shared scheduler module: an existing deployment keeps them.
moved {
  from = aws_sqs_queue.dlq
  to   = module.scheduler.aws_sqs_queue.dlq[0]
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
  from = aws_scheduler_schedule.shard
  to   = module.scheduler.aws_scheduler_schedule.this
}
