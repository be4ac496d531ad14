locals {
  visibility_timeout_seconds = coalesce(var.visibility_timeout_seconds, 6 * var.function_timeout_seconds)
  sse_kms                    = var.kms_key_arn != null

  # MSK resource ARNs: cluster/<name>/<uuid> -> topic/<name>/<uuid>/<topic>, group/<name>/<uuid>/<group>
  msk_consumer_group = var.msk == null ? null : coalesce(var.msk.consumer_group_id, var.name)
  msk_topic_arn      = var.msk == null ? null : "${replace(var.msk.cluster_arn, ":cluster/", ":topic/")}/${var.msk.topic}"
  msk_group_arn      = var.msk == null ? null : "${replace(var.msk.cluster_arn, ":cluster/", ":group/")}/${local.msk_consumer_group}"

  # Where a batch the function failed on maximum_retry_attempts times goes (the poller sends it with the role)
  msk_on_failure         = var.msk == null ? null : coalesce(var.msk.on_failure_destination_arn, aws_sqs_queue.dlq.arn)
  msk_on_failure_service = var.msk == null ? null : split(":", local.msk_on_failure)[2]
  # What the poller may do with the role on an on-failure destination, by service (MSK and Kinesis alike)
  on_failure_actions = {
    sqs = ["sqs:SendMessage"]
    sns = ["sns:Publish"]
    s3  = ["s3:PutObject", "s3:ListBucket"]
  }

  # Kinesis: the records a batch could not get past after maximum_retry_attempts go (as shard + sequence-number
  # metadata; to S3 with the records) to the on-failure destination, which the poller writes with the role.
  kinesis_efo                = var.kinesis == null ? false : var.kinesis.enhanced_fan_out
  kinesis_on_failure         = var.kinesis == null ? null : coalesce(var.kinesis.on_failure_destination_arn, aws_sqs_queue.dlq.arn)
  kinesis_on_failure_service = var.kinesis == null ? null : split(":", local.kinesis_on_failure)[2]
  kinesis_kms_key            = var.kinesis == null ? null : var.kinesis.stream_kms_key_arn

  # The poller writes failed batches to the (SSE-KMS) dead-letter queue with the function's role
  failures_to_kms_dlq = local.sse_kms && (
    (var.msk != null && local.msk_on_failure == aws_sqs_queue.dlq.arn) ||
    (var.kinesis != null && local.kinesis_on_failure == aws_sqs_queue.dlq.arn)
  )
}

resource "aws_sqs_queue" "dlq" {
  name                      = "${var.name}-dlq"
  message_retention_seconds = 1209600
  sqs_managed_sse_enabled   = local.sse_kms ? null : true
  kms_master_key_id         = var.kms_key_arn
  tags                      = var.tags
}

resource "aws_sqs_queue" "this" {
  name                       = var.name
  visibility_timeout_seconds = local.visibility_timeout_seconds
  message_retention_seconds  = var.message_retention_seconds
  sqs_managed_sse_enabled    = local.sse_kms ? null : true
  kms_master_key_id          = var.kms_key_arn

  redrive_policy = jsonencode({
    deadLetterTargetArn = aws_sqs_queue.dlq.arn
    maxReceiveCount     = var.max_receive_count
  })

  tags = var.tags

  lifecycle {
    precondition {
      condition     = local.visibility_timeout_seconds >= 6 * var.function_timeout_seconds
      error_message = "visibility_timeout_seconds (${local.visibility_timeout_seconds}) must be at least 6 x function_timeout_seconds (${6 * var.function_timeout_seconds}), as AWS recommends for Lambda event sources."
    }
  }
}

# Only this queue may use the DLQ as its dead-letter target.
resource "aws_sqs_queue_redrive_allow_policy" "dlq" {
  queue_url = aws_sqs_queue.dlq.id
  redrive_allow_policy = jsonencode({
    redrivePermission = "byQueue"
    sourceQueueArns   = [aws_sqs_queue.this.arn]
  })
}

resource "aws_iam_role_policy" "consume" {
  name = "${var.name}-consume"
  role = var.function_role_name
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [{
        Sid    = "ConsumeOwnQueue"
        Effect = "Allow"
        Action = [
          "sqs:ReceiveMessage",
          "sqs:DeleteMessage",
          "sqs:GetQueueAttributes",
          "sqs:ChangeMessageVisibility",
        ]
        Resource = [aws_sqs_queue.this.arn]
      }],
      local.sse_kms ? [{
        Sid      = "DecryptQueueMessages"
        Effect   = "Allow"
        Action   = ["kms:Decrypt"]
        Resource = [var.kms_key_arn]
      }] : [],
      # the MSK or Kinesis poller writes failed batches to the (SSE-KMS) dead-letter queue with the function's role
      local.failures_to_kms_dlq ? [{
        Sid      = "EncryptFailedBatchesForDlq"
        Effect   = "Allow"
        Action   = ["kms:GenerateDataKey"]
        Resource = [var.kms_key_arn]
      }] : [],
      var.msk == null ? [] : [
        {
          Sid    = "MskCluster"
          Effect = "Allow"
          Action = [
            "kafka-cluster:Connect",
            "kafka-cluster:DescribeCluster",
            "kafka:DescribeCluster",
            "kafka:DescribeClusterV2",
            "kafka:GetBootstrapBrokers",
          ]
          Resource = [var.msk.cluster_arn]
        },
        {
          Sid      = "MskTopic"
          Effect   = "Allow"
          Action   = ["kafka-cluster:DescribeTopic", "kafka-cluster:ReadData"]
          Resource = [local.msk_topic_arn]
        },
        {
          Sid    = "MskOnFailureDestination"
          Effect = "Allow"
          Action = local.on_failure_actions[local.msk_on_failure_service]
          Resource = local.msk_on_failure_service == "s3" ? [
            local.msk_on_failure, "${local.msk_on_failure}/*"
          ] : [local.msk_on_failure]
        },
        {
          Sid      = "MskConsumerGroup"
          Effect   = "Allow"
          Action   = ["kafka-cluster:AlterGroup", "kafka-cluster:DescribeGroup"]
          Resource = [local.msk_group_arn]
        },
        # AWS requires Resource "*": the MSK event source poller creates network interfaces in the
        # cluster's VPC with the function's role, and these ec2 actions do not support
        # resource-level permissions (same actions as the managed AWSLambdaMSKExecutionRole).
        {
          Sid    = "MskNetworkInterfacesAwsRequiresWildcard"
          Effect = "Allow"
          Action = [
            "ec2:CreateNetworkInterface",
            "ec2:DescribeNetworkInterfaces",
            "ec2:DeleteNetworkInterface",
            "ec2:DescribeVpcs",
            "ec2:DescribeSubnets",
            "ec2:DescribeSecurityGroups",
          ]
          Resource = ["*"]
        },
      ],
      # Kinesis: read this stream only (the actions Lambda's Kinesis poller uses). kinesis:ListStreams is left out:
      # it takes no resource (Resource "*" only) and the poller does not need it.
      var.kinesis == null ? [] : [
        {
          Sid    = "KinesisStream"
          Effect = "Allow"
          Action = [
            "kinesis:DescribeStream",
            "kinesis:DescribeStreamSummary",
            "kinesis:GetRecords",
            "kinesis:GetShardIterator",
            "kinesis:ListShards",
          ]
          Resource = [var.kinesis.stream_arn]
        },
        {
          Sid    = "KinesisOnFailureDestination"
          Effect = "Allow"
          Action = local.on_failure_actions[local.kinesis_on_failure_service]
          Resource = local.kinesis_on_failure_service == "s3" ? [
            local.kinesis_on_failure, "${local.kinesis_on_failure}/*"
          ] : [local.kinesis_on_failure]
        },
      ],
      local.kinesis_efo ? [{
        Sid      = "KinesisEnhancedFanOut"
        Effect   = "Allow"
        Action   = ["kinesis:SubscribeToShard"]
        Resource = [aws_kinesis_stream_consumer.this[0].arn]
      }] : [],
      local.kinesis_kms_key != null ? [{
        Sid      = "DecryptStreamRecords"
        Effect   = "Allow"
        Action   = ["kms:Decrypt"]
        Resource = [local.kinesis_kms_key]
      }] : [],
    )
  })
}

resource "aws_lambda_event_source_mapping" "sqs" {
  event_source_arn                   = aws_sqs_queue.this.arn
  function_name                      = var.function_alias_arn
  batch_size                         = var.batch_size
  maximum_batching_window_in_seconds = var.maximum_batching_window_in_seconds
  # The function reports failed messages by id; only those are retried (and dead-lettered).
  function_response_types = ["ReportBatchItemFailures"]

  dynamic "scaling_config" {
    for_each = var.maximum_concurrency == null ? [] : [1]
    content {
      maximum_concurrency = var.maximum_concurrency
    }
  }

  depends_on = [aws_iam_role_policy.consume]

  lifecycle {
    precondition {
      condition     = var.batch_size <= 10 || var.maximum_batching_window_in_seconds >= 1
      error_message = "batch_size above 10 needs maximum_batching_window_in_seconds >= 1 (SQS rule)."
    }
  }
}

resource "aws_lambda_event_source_mapping" "msk" {
  count = var.msk == null ? 0 : 1

  event_source_arn  = var.msk.cluster_arn
  function_name     = var.function_alias_arn
  topics            = [var.msk.topic]
  starting_position = var.msk.starting_position
  batch_size        = var.msk.batch_size

  amazon_managed_kafka_event_source_config {
    consumer_group_id = local.msk_consumer_group
  }

  # A batch the function fails on (its outputs not delivered) is retried a bounded number of times, split in two
  # on each retry, then handed to the on-failure destination: one poison record cannot hold its partition until
  # retention. AWS offers these controls for Kafka in provisioned poller mode only.
  maximum_retry_attempts         = var.msk.maximum_retry_attempts
  bisect_batch_on_function_error = var.msk.bisect_batch_on_function_error
  maximum_record_age_in_seconds  = var.msk.maximum_record_age_in_seconds

  provisioned_poller_config {
    minimum_pollers = var.msk.minimum_pollers
    maximum_pollers = var.msk.maximum_pollers
  }

  destination_config {
    on_failure {
      destination_arn = local.msk_on_failure
    }
  }

  depends_on = [aws_iam_role_policy.consume]
}

# Enhanced fan-out: a dedicated 2 MB/s per shard for this function, pushed over HTTP/2 (billed per consumer-shard hour).
resource "aws_kinesis_stream_consumer" "this" {
  count = local.kinesis_efo ? 1 : 0

  name       = var.name
  stream_arn = var.kinesis.stream_arn
}

resource "aws_lambda_event_source_mapping" "kinesis" {
  count = var.kinesis == null ? 0 : 1

  event_source_arn                   = local.kinesis_efo ? aws_kinesis_stream_consumer.this[0].arn : var.kinesis.stream_arn
  function_name                      = var.function_alias_arn
  starting_position                  = var.kinesis.starting_position
  batch_size                         = var.kinesis.batch_size
  maximum_batching_window_in_seconds = var.kinesis.maximum_batching_window_in_seconds
  parallelization_factor             = var.kinesis.parallelization_factor

  # The function reports the records it could not score by sequence number; Lambda retries the shard from the
  # lowest one reported (the records before it are done), not the whole batch.
  function_response_types = ["ReportBatchItemFailures"]

  # A record the function keeps failing on is retried a bounded number of times, the batch split in two on each
  # retry, then its shard and sequence numbers go to the on-failure destination and the shard moves on: one poison
  # record cannot hold its shard until the stream's retention drops it.
  maximum_retry_attempts         = var.kinesis.maximum_retry_attempts
  bisect_batch_on_function_error = var.kinesis.bisect_batch_on_function_error
  maximum_record_age_in_seconds  = var.kinesis.maximum_record_age_in_seconds

  destination_config {
    on_failure {
      destination_arn = local.kinesis_on_failure
    }
  }

  depends_on = [aws_iam_role_policy.consume]
}
