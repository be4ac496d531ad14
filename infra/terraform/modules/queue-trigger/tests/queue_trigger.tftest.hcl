# SQS (and optional MSK and Kinesis) trigger. Runs against the mocked AWS provider (mock_provider "aws").
mock_provider "aws" {
  override_during = plan

  mock_resource "aws_sqs_queue" {
    defaults = {
      arn = "arn:aws:sqs:eu-central-1:123456789012:event-score"
      url = "https://sqs.eu-central-1.amazonaws.com/123456789012/event-score"
    }
  }
  mock_resource "aws_lambda_event_source_mapping" {
    defaults = { uuid = "6f1c3c53-1234-4c1e-9d0c-2f2c2a8b9e10" }
  }
  mock_resource "aws_kinesis_stream_consumer" {
    defaults = { arn = "arn:aws:kinesis:eu-central-1:123456789012:stream/sensor-readings/consumer/event-score:1764556800" }
  }
}

# The mocked ARN of both queues is the same; the DLQ gets its own through override_resource.
override_resource {
  target          = aws_sqs_queue.dlq
  override_during = plan
  values = {
    arn = "arn:aws:sqs:eu-central-1:123456789012:event-score-dlq"
    url = "https://sqs.eu-central-1.amazonaws.com/123456789012/event-score-dlq"
  }
}

variables {
  name                     = "event-score"
  function_alias_arn       = "arn:aws:lambda:eu-central-1:123456789012:function:event-score:live"
  function_role_name       = "event-score-exec"
  function_timeout_seconds = 30
}

run "mapping_reports_batch_item_failures" {
  command = plan

  variables {
    batch_size                         = 50
    maximum_batching_window_in_seconds = 2
    maximum_concurrency                = 20
  }

  assert {
    condition     = aws_lambda_event_source_mapping.sqs.function_response_types == toset(["ReportBatchItemFailures"])
    error_message = "the SQS mapping must use ReportBatchItemFailures"
  }
  assert {
    condition     = aws_lambda_event_source_mapping.sqs.batch_size == 50 && aws_lambda_event_source_mapping.sqs.maximum_batching_window_in_seconds == 2
    error_message = "batch size and window must be passed through"
  }
  assert {
    condition     = aws_lambda_event_source_mapping.sqs.scaling_config[0].maximum_concurrency == 20
    error_message = "maximum_concurrency must be set"
  }
  assert {
    condition     = aws_lambda_event_source_mapping.sqs.function_name == var.function_alias_arn && aws_lambda_event_source_mapping.sqs.event_source_arn == "arn:aws:sqs:eu-central-1:123456789012:event-score"
    error_message = "the mapping must connect the queue to the live alias"
  }
}

run "queue_encrypted_with_dlq" {
  command = plan

  assert {
    condition     = aws_sqs_queue.this.sqs_managed_sse_enabled && aws_sqs_queue.dlq.sqs_managed_sse_enabled
    error_message = "both queues must be encrypted (SSE-SQS by default)"
  }
  assert {
    condition     = jsondecode(aws_sqs_queue.this.redrive_policy) == { deadLetterTargetArn = "arn:aws:sqs:eu-central-1:123456789012:event-score-dlq", maxReceiveCount = 5 }
    error_message = "redrive to the DLQ after 5 receives expected"
  }
  assert {
    condition     = aws_sqs_queue.this.visibility_timeout_seconds == 180
    error_message = "visibility timeout must default to 6 x the function timeout"
  }
  assert {
    condition     = jsondecode(aws_sqs_queue_redrive_allow_policy.dlq.redrive_allow_policy).sourceQueueArns == ["arn:aws:sqs:eu-central-1:123456789012:event-score"]
    error_message = "only the input queue may dead-letter into the DLQ"
  }
  assert {
    condition     = length(aws_lambda_event_source_mapping.sqs.scaling_config) == 0 && length(aws_lambda_event_source_mapping.msk) == 0 && length(aws_lambda_event_source_mapping.kinesis) == 0 && length(aws_kinesis_stream_consumer.this) == 0
    error_message = "no concurrency cap, no MSK and no Kinesis mapping by default"
  }
}

run "policy_scoped_to_queue" {
  command = plan

  assert {
    condition     = aws_iam_role_policy.consume.role == "event-score-exec"
    error_message = "the policy must be attached to the function's role"
  }
  assert {
    condition = jsondecode(aws_iam_role_policy.consume.policy).Statement == [{
      Sid      = "ConsumeOwnQueue"
      Effect   = "Allow"
      Action   = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ChangeMessageVisibility"]
      Resource = ["arn:aws:sqs:eu-central-1:123456789012:event-score"]
    }]
    error_message = "exactly the four consume actions on this queue's ARN"
  }
}

run "kms_encrypted_queues" {
  command = plan

  variables {
    kms_key_arn = "arn:aws:kms:eu-central-1:123456789012:key/1111aaaa-2222-bbbb-3333-cccc4444dddd"
  }

  assert {
    condition     = aws_sqs_queue.this.kms_master_key_id == var.kms_key_arn && aws_sqs_queue.dlq.kms_master_key_id == var.kms_key_arn
    error_message = "both queues must use the KMS key"
  }
  assert {
    condition     = contains([for s in jsondecode(aws_iam_role_policy.consume.policy).Statement : jsonencode(s.Resource) if s.Sid == "DecryptQueueMessages"], jsonencode([var.kms_key_arn]))
    error_message = "kms:Decrypt on that key only"
  }
}

run "msk_trigger_scoped_permissions" {
  command = plan

  variables {
    msk = {
      cluster_arn       = "arn:aws:kafka:eu-central-1:123456789012:cluster/inferfn/0a1b2c3d-4e5f-6789-abcd-ef0123456789-2"
      topic             = "transactions"
      starting_position = "TRIM_HORIZON"
      batch_size        = 500
    }
  }

  assert {
    condition = (
      aws_lambda_event_source_mapping.msk[0].topics == toset(["transactions"]) &&
      aws_lambda_event_source_mapping.msk[0].starting_position == "TRIM_HORIZON" &&
      aws_lambda_event_source_mapping.msk[0].batch_size == 500 &&
      aws_lambda_event_source_mapping.msk[0].amazon_managed_kafka_event_source_config[0].consumer_group_id == "event-score"
    )
    error_message = "MSK mapping with topic, starting position, batch size and a fixed consumer group expected"
  }
  assert {
    condition = one([for s in jsondecode(aws_iam_role_policy.consume.policy).Statement : s.Resource if s.Sid == "MskTopic"]) == [
      "arn:aws:kafka:eu-central-1:123456789012:topic/inferfn/0a1b2c3d-4e5f-6789-abcd-ef0123456789-2/transactions"
    ]
    error_message = "topic permissions must name the one topic"
  }
  assert {
    condition = one([for s in jsondecode(aws_iam_role_policy.consume.policy).Statement : s.Resource if s.Sid == "MskConsumerGroup"]) == [
      "arn:aws:kafka:eu-central-1:123456789012:group/inferfn/0a1b2c3d-4e5f-6789-abcd-ef0123456789-2/event-score"
    ]
    error_message = "group permissions must name the one consumer group"
  }
  assert {
    condition = alltrue([for s in jsondecode(aws_iam_role_policy.consume.policy).Statement :
      s.Sid == "MskNetworkInterfacesAwsRequiresWildcard" || (!contains(s.Resource, "*") && alltrue([for a in s.Action : !endswith(a, "*")]))
    ])
    error_message = "only the AWS-required ec2 statement may use Resource *; no wildcard actions at all"
  }
}

run "msk_poison_batch_is_retried_a_bounded_number_of_times_then_dead_lettered" {
  command = plan

  variables {
    msk = {
      cluster_arn = "arn:aws:kafka:eu-central-1:123456789012:cluster/inferfn/0a1b2c3d-4e5f-6789-abcd-ef0123456789-2"
      topic       = "sensor-readings"
    }
  }

  assert {
    condition = (
      aws_lambda_event_source_mapping.msk[0].maximum_retry_attempts == 3 &&
      aws_lambda_event_source_mapping.msk[0].bisect_batch_on_function_error == true &&
      aws_lambda_event_source_mapping.msk[0].maximum_record_age_in_seconds == -1
    )
    error_message = "the MSK mapping must retry a failed batch 3 times, bisecting it, by default"
  }
  assert {
    condition     = aws_lambda_event_source_mapping.msk[0].destination_config[0].on_failure[0].destination_arn == "arn:aws:sqs:eu-central-1:123456789012:event-score-dlq"
    error_message = "a batch that still fails must go to the module's dead-letter queue by default"
  }
  assert {
    condition = (
      aws_lambda_event_source_mapping.msk[0].provisioned_poller_config[0].minimum_pollers == 1 &&
      aws_lambda_event_source_mapping.msk[0].provisioned_poller_config[0].maximum_pollers == 2
    )
    error_message = "retry limit and bisect need provisioned poller mode for Kafka"
  }
  assert {
    condition = one([for s in jsondecode(aws_iam_role_policy.consume.policy).Statement : s if s.Sid == "MskOnFailureDestination"]) == {
      Sid      = "MskOnFailureDestination"
      Effect   = "Allow"
      Action   = ["sqs:SendMessage"]
      Resource = ["arn:aws:sqs:eu-central-1:123456789012:event-score-dlq"]
    }
    error_message = "the role may send to the on-failure destination, and only to it"
  }
}

run "msk_on_failure_destination_can_be_an_s3_bucket" {
  command = plan

  variables {
    kms_key_arn = "arn:aws:kms:eu-central-1:123456789012:key/1111aaaa-2222-bbbb-3333-cccc4444dddd"
    msk = {
      cluster_arn                    = "arn:aws:kafka:eu-central-1:123456789012:cluster/inferfn/0a1b2c3d-4e5f-6789-abcd-ef0123456789-2"
      topic                          = "sensor-readings"
      maximum_retry_attempts         = 0
      bisect_batch_on_function_error = false
      maximum_record_age_in_seconds  = 3600
      on_failure_destination_arn     = "arn:aws:s3:::inferfn-failed-batches"
    }
  }

  assert {
    condition = (
      aws_lambda_event_source_mapping.msk[0].maximum_retry_attempts == 0 &&
      aws_lambda_event_source_mapping.msk[0].bisect_batch_on_function_error == false &&
      aws_lambda_event_source_mapping.msk[0].maximum_record_age_in_seconds == 3600 &&
      aws_lambda_event_source_mapping.msk[0].destination_config[0].on_failure[0].destination_arn == "arn:aws:s3:::inferfn-failed-batches"
    )
    error_message = "retry settings and the destination must be passed through"
  }
  assert {
    condition = one([for s in jsondecode(aws_iam_role_policy.consume.policy).Statement : s.Resource if s.Sid == "MskOnFailureDestination"]) == [
      "arn:aws:s3:::inferfn-failed-batches", "arn:aws:s3:::inferfn-failed-batches/*"
    ]
    error_message = "S3 destination permissions must name the bucket and its objects"
  }
  assert {
    condition     = length([for s in jsondecode(aws_iam_role_policy.consume.policy).Statement : s if s.Sid == "EncryptFailedBatchesForDlq"]) == 0
    error_message = "no KMS encrypt permission when the failures do not go to the module's DLQ"
  }
}

run "msk_with_kms_dlq_may_encrypt_failed_batches" {
  command = plan

  variables {
    kms_key_arn = "arn:aws:kms:eu-central-1:123456789012:key/1111aaaa-2222-bbbb-3333-cccc4444dddd"
    msk = {
      cluster_arn = "arn:aws:kafka:eu-central-1:123456789012:cluster/inferfn/0a1b2c3d-4e5f-6789-abcd-ef0123456789-2"
      topic       = "sensor-readings"
    }
  }

  assert {
    condition     = one([for s in jsondecode(aws_iam_role_policy.consume.policy).Statement : s.Action if s.Sid == "EncryptFailedBatchesForDlq"]) == ["kms:GenerateDataKey"]
    error_message = "the poller must be able to write to the SSE-KMS dead-letter queue"
  }
}

run "rejects_unlimited_msk_retries" {
  command = plan
  variables {
    msk = {
      cluster_arn            = "arn:aws:kafka:eu-central-1:123456789012:cluster/inferfn/0a1b2c3d-4e5f-6789-abcd-ef0123456789-2"
      topic                  = "sensor-readings"
      maximum_retry_attempts = -1
    }
  }
  expect_failures = [var.msk]
}

run "rejects_msk_destination_that_is_not_sqs_sns_or_s3" {
  command = plan
  variables {
    msk = {
      cluster_arn                = "arn:aws:kafka:eu-central-1:123456789012:cluster/inferfn/0a1b2c3d-4e5f-6789-abcd-ef0123456789-2"
      topic                      = "sensor-readings"
      on_failure_destination_arn = "arn:aws:lambda:eu-central-1:123456789012:function:other"
    }
  }
  expect_failures = [var.msk]
}

run "sqs_poison_message_is_retried_a_bounded_number_of_times_then_dead_lettered" {
  command = plan

  # SQS mappings take no retry limit, bisect or destination (stream and Kafka sources only): the queue's
  # redrive policy bounds the receives, and partial batch responses retry only the failed messages
  assert {
    condition = (
      jsondecode(aws_sqs_queue.this.redrive_policy).maxReceiveCount == 5 &&
      aws_lambda_event_source_mapping.sqs.function_response_types == toset(["ReportBatchItemFailures"]) &&
      length(aws_lambda_event_source_mapping.sqs.destination_config) == 0
    )
    error_message = "an SQS message must be received at most 5 times, reported per message, then moved to the DLQ"
  }
}

run "rejects_short_visibility_timeout" {
  command = plan
  variables {
    visibility_timeout_seconds = 60
  }
  expect_failures = [aws_sqs_queue.this]
}

run "rejects_large_batch_without_window" {
  command = plan
  variables {
    batch_size = 100
  }
  expect_failures = [aws_lambda_event_source_mapping.sqs]
}

run "rejects_wildcard_msk_topic" {
  command = plan
  variables {
    msk = {
      cluster_arn = "arn:aws:kafka:eu-central-1:123456789012:cluster/inferfn/0a1b2c3d-4e5f-6789-abcd-ef0123456789-2"
      topic       = "*"
    }
  }
  expect_failures = [var.msk]
}

run "rejects_max_receive_count_zero" {
  command = plan
  variables {
    max_receive_count = 0
  }
  expect_failures = [var.max_receive_count]
}

run "kinesis_trigger_reports_batch_item_failures_with_scoped_permissions" {
  command = plan

  variables {
    kinesis = {
      stream_arn                         = "arn:aws:kinesis:eu-central-1:123456789012:stream/sensor-readings"
      starting_position                  = "TRIM_HORIZON"
      batch_size                         = 500
      maximum_batching_window_in_seconds = 1
      parallelization_factor             = 2
    }
  }

  assert {
    condition = (
      aws_lambda_event_source_mapping.kinesis[0].event_source_arn == "arn:aws:kinesis:eu-central-1:123456789012:stream/sensor-readings" &&
      aws_lambda_event_source_mapping.kinesis[0].function_name == var.function_alias_arn &&
      aws_lambda_event_source_mapping.kinesis[0].starting_position == "TRIM_HORIZON" &&
      aws_lambda_event_source_mapping.kinesis[0].batch_size == 500 &&
      aws_lambda_event_source_mapping.kinesis[0].maximum_batching_window_in_seconds == 1 &&
      aws_lambda_event_source_mapping.kinesis[0].parallelization_factor == 2
    )
    error_message = "Kinesis mapping from the stream to the live alias with starting position, batch size, window and parallelization expected"
  }
  assert {
    condition     = aws_lambda_event_source_mapping.kinesis[0].function_response_types == toset(["ReportBatchItemFailures"])
    error_message = "the Kinesis mapping must use ReportBatchItemFailures (failed records reported by sequence number)"
  }
  assert {
    condition = one([for s in jsondecode(aws_iam_role_policy.consume.policy).Statement : s if s.Sid == "KinesisStream"]) == {
      Sid    = "KinesisStream"
      Effect = "Allow"
      Action = [
        "kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:GetRecords", "kinesis:GetShardIterator",
        "kinesis:ListShards",
      ]
      Resource = ["arn:aws:kinesis:eu-central-1:123456789012:stream/sensor-readings"]
    }
    error_message = "exactly the poller's read actions on this stream's ARN"
  }
  assert {
    condition = alltrue([for s in jsondecode(aws_iam_role_policy.consume.policy).Statement :
      !contains(s.Resource, "*") && alltrue([for a in s.Action : !endswith(a, "*")])
    ])
    error_message = "no Resource * and no wildcard actions (kinesis:ListStreams, which needs *, is not granted)"
  }
  assert {
    condition     = length([for s in jsondecode(aws_iam_role_policy.consume.policy).Statement : s if s.Sid == "KinesisEnhancedFanOut" || s.Sid == "DecryptStreamRecords"]) == 0 && length(aws_kinesis_stream_consumer.this) == 0
    error_message = "no stream consumer, SubscribeToShard or kms:Decrypt unless asked for"
  }
}

run "kinesis_poison_record_is_retried_a_bounded_number_of_times_then_dead_lettered" {
  command = plan

  variables {
    kinesis = {
      stream_arn = "arn:aws:kinesis:eu-central-1:123456789012:stream/sensor-readings"
    }
  }

  assert {
    condition = (
      aws_lambda_event_source_mapping.kinesis[0].maximum_retry_attempts == 3 &&
      aws_lambda_event_source_mapping.kinesis[0].bisect_batch_on_function_error == true &&
      aws_lambda_event_source_mapping.kinesis[0].maximum_record_age_in_seconds == -1 &&
      aws_lambda_event_source_mapping.kinesis[0].starting_position == "LATEST" &&
      aws_lambda_event_source_mapping.kinesis[0].batch_size == 100
    )
    error_message = "the Kinesis mapping must retry a failed batch 3 times, bisecting it, by default, from LATEST in batches of 100"
  }
  assert {
    condition     = aws_lambda_event_source_mapping.kinesis[0].destination_config[0].on_failure[0].destination_arn == "arn:aws:sqs:eu-central-1:123456789012:event-score-dlq"
    error_message = "records that still fail must go to the module's dead-letter queue by default"
  }
  assert {
    condition = one([for s in jsondecode(aws_iam_role_policy.consume.policy).Statement : s if s.Sid == "KinesisOnFailureDestination"]) == {
      Sid      = "KinesisOnFailureDestination"
      Effect   = "Allow"
      Action   = ["sqs:SendMessage"]
      Resource = ["arn:aws:sqs:eu-central-1:123456789012:event-score-dlq"]
    }
    error_message = "the role may send to the on-failure destination, and only to it"
  }
}

run "kinesis_enhanced_fan_out_kms_stream_and_s3_destination" {
  command = plan

  variables {
    kms_key_arn = "arn:aws:kms:eu-central-1:123456789012:key/1111aaaa-2222-bbbb-3333-cccc4444dddd"
    kinesis = {
      stream_arn                     = "arn:aws:kinesis:eu-central-1:123456789012:stream/sensor-readings"
      maximum_retry_attempts         = 0
      bisect_batch_on_function_error = false
      maximum_record_age_in_seconds  = 3600
      on_failure_destination_arn     = "arn:aws:s3:::inferfn-failed-batches"
      enhanced_fan_out               = true
      stream_kms_key_arn             = "arn:aws:kms:eu-central-1:123456789012:key/5555eeee-6666-ffff-7777-aaaa8888bbbb"
    }
  }

  assert {
    condition = (
      aws_kinesis_stream_consumer.this[0].stream_arn == "arn:aws:kinesis:eu-central-1:123456789012:stream/sensor-readings" &&
      aws_kinesis_stream_consumer.this[0].name == "event-score" &&
      aws_lambda_event_source_mapping.kinesis[0].event_source_arn == "arn:aws:kinesis:eu-central-1:123456789012:stream/sensor-readings/consumer/event-score:1764556800"
    )
    error_message = "with enhanced fan-out the mapping must read through a consumer of its own"
  }
  assert {
    condition = (
      aws_lambda_event_source_mapping.kinesis[0].maximum_retry_attempts == 0 &&
      aws_lambda_event_source_mapping.kinesis[0].bisect_batch_on_function_error == false &&
      aws_lambda_event_source_mapping.kinesis[0].maximum_record_age_in_seconds == 3600 &&
      aws_lambda_event_source_mapping.kinesis[0].destination_config[0].on_failure[0].destination_arn == "arn:aws:s3:::inferfn-failed-batches"
    )
    error_message = "retry settings and the destination must be passed through"
  }
  assert {
    condition = one([for s in jsondecode(aws_iam_role_policy.consume.policy).Statement : s if s.Sid == "KinesisEnhancedFanOut"]) == {
      Sid      = "KinesisEnhancedFanOut"
      Effect   = "Allow"
      Action   = ["kinesis:SubscribeToShard"]
      Resource = ["arn:aws:kinesis:eu-central-1:123456789012:stream/sensor-readings/consumer/event-score:1764556800"]
    }
    error_message = "SubscribeToShard on the function's own consumer only"
  }
  assert {
    condition = one([for s in jsondecode(aws_iam_role_policy.consume.policy).Statement : s.Resource if s.Sid == "KinesisOnFailureDestination"]) == [
      "arn:aws:s3:::inferfn-failed-batches", "arn:aws:s3:::inferfn-failed-batches/*"
    ]
    error_message = "S3 destination permissions must name the bucket and its objects"
  }
  assert {
    condition     = one([for s in jsondecode(aws_iam_role_policy.consume.policy).Statement : s.Resource if s.Sid == "DecryptStreamRecords"]) == ["arn:aws:kms:eu-central-1:123456789012:key/5555eeee-6666-ffff-7777-aaaa8888bbbb"]
    error_message = "kms:Decrypt on the stream's key"
  }
  assert {
    condition     = length([for s in jsondecode(aws_iam_role_policy.consume.policy).Statement : s if s.Sid == "EncryptFailedBatchesForDlq"]) == 0
    error_message = "no KMS encrypt permission when the failures do not go to the module's DLQ"
  }
}

run "kinesis_with_kms_dlq_may_encrypt_failed_batches" {
  command = plan

  variables {
    kms_key_arn = "arn:aws:kms:eu-central-1:123456789012:key/1111aaaa-2222-bbbb-3333-cccc4444dddd"
    kinesis = {
      stream_arn = "arn:aws:kinesis:eu-central-1:123456789012:stream/sensor-readings"
    }
  }

  assert {
    condition     = one([for s in jsondecode(aws_iam_role_policy.consume.policy).Statement : s.Action if s.Sid == "EncryptFailedBatchesForDlq"]) == ["kms:GenerateDataKey"]
    error_message = "the poller must be able to write to the SSE-KMS dead-letter queue"
  }
}

run "sqs_msk_and_kinesis_together" {
  command = plan

  variables {
    msk = {
      cluster_arn = "arn:aws:kafka:eu-central-1:123456789012:cluster/inferfn/0a1b2c3d-4e5f-6789-abcd-ef0123456789-2"
      topic       = "sensor-readings"
    }
    kinesis = {
      stream_arn = "arn:aws:kinesis:eu-central-1:123456789012:stream/sensor-readings"
    }
  }

  assert {
    condition     = length(aws_lambda_event_source_mapping.msk) == 1 && length(aws_lambda_event_source_mapping.kinesis) == 1
    error_message = "all three sources may feed the one function"
  }
  assert {
    condition     = length(distinct([for s in jsondecode(aws_iam_role_policy.consume.policy).Statement : s.Sid])) == length(jsondecode(aws_iam_role_policy.consume.policy).Statement)
    error_message = "statement ids must be unique"
  }
}

run "rejects_unlimited_kinesis_retries" {
  command = plan
  variables {
    kinesis = {
      stream_arn             = "arn:aws:kinesis:eu-central-1:123456789012:stream/sensor-readings"
      maximum_retry_attempts = -1
    }
  }
  expect_failures = [var.kinesis]
}

run "rejects_kinesis_destination_that_is_not_sqs_sns_or_s3" {
  command = plan
  variables {
    kinesis = {
      stream_arn                 = "arn:aws:kinesis:eu-central-1:123456789012:stream/sensor-readings"
      on_failure_destination_arn = "arn:aws:lambda:eu-central-1:123456789012:function:other"
    }
  }
  expect_failures = [var.kinesis]
}

run "rejects_kinesis_arn_that_is_not_a_stream" {
  command = plan
  variables {
    kinesis = {
      stream_arn = "arn:aws:kinesis:eu-central-1:123456789012:stream/*"
    }
  }
  expect_failures = [var.kinesis]
}

run "rejects_kinesis_record_age_below_a_minute" {
  command = plan
  variables {
    kinesis = {
      stream_arn                    = "arn:aws:kinesis:eu-central-1:123456789012:stream/sensor-readings"
      maximum_record_age_in_seconds = 30
    }
  }
  expect_failures = [var.kinesis]
}

run "rejects_kinesis_at_timestamp_start" {
  command = plan
  variables {
    kinesis = {
      stream_arn        = "arn:aws:kinesis:eu-central-1:123456789012:stream/sensor-readings"
      starting_position = "AT_TIMESTAMP"
    }
  }
  expect_failures = [var.kinesis]
}
