# Model registry bucket. Runs against the mocked AWS provider (mock_provider "aws").
mock_provider "aws" {
  override_during = plan

  mock_resource "aws_s3_bucket" {
    defaults = {
      id  = "inferfn-models"
      arn = "arn:aws:s3:::inferfn-models"
    }
  }
  mock_resource "aws_kms_key" {
    defaults = {
      arn    = "arn:aws:kms:eu-central-1:123456789012:key/0f1e2d3c-aaaa-bbbb-cccc-1234567890ab"
      key_id = "0f1e2d3c-aaaa-bbbb-cccc-1234567890ab"
    }
  }
}

variables {
  bucket_name = "inferfn-models"
}

run "public_access_fully_blocked" {
  command = plan

  assert {
    condition = (
      aws_s3_bucket_public_access_block.this.block_public_acls &&
      aws_s3_bucket_public_access_block.this.block_public_policy &&
      aws_s3_bucket_public_access_block.this.ignore_public_acls &&
      aws_s3_bucket_public_access_block.this.restrict_public_buckets
    )
    error_message = "all four public access block settings must be true"
  }
  assert {
    condition     = aws_s3_bucket_ownership_controls.this.rule[0].object_ownership == "BucketOwnerEnforced"
    error_message = "ACLs must be disabled (BucketOwnerEnforced)"
  }
  assert {
    condition     = aws_s3_bucket_versioning.this.versioning_configuration[0].status == "Enabled"
    error_message = "versioning must be enabled"
  }
}

run "tls_only_bucket_policy" {
  command = plan

  assert {
    condition = one(jsondecode(aws_s3_bucket_policy.this.policy).Statement) == {
      Sid       = "DenyInsecureTransport"
      Effect    = "Deny"
      Principal = "*"
      Action    = "s3:*"
      Resource  = ["arn:aws:s3:::inferfn-models", "arn:aws:s3:::inferfn-models/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }
    error_message = "the bucket policy must deny every request without TLS, on the bucket and its objects"
  }
  assert {
    condition     = alltrue([for s in jsondecode(aws_s3_bucket_policy.this.policy).Statement : s.Effect == "Deny"])
    error_message = "the bucket policy grants nothing (its wildcards are in Deny statements only)"
  }
}

run "sse_kms_with_rotating_module_key" {
  command = plan

  assert {
    condition     = length(aws_kms_key.this) == 1 && aws_kms_key.this[0].enable_key_rotation
    error_message = "a rotating KMS key must be created when none is given"
  }
  assert {
    condition = (
      one(aws_s3_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default[0].sse_algorithm == "aws:kms" &&
      one(aws_s3_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default[0].kms_master_key_id == "arn:aws:kms:eu-central-1:123456789012:key/0f1e2d3c-aaaa-bbbb-cccc-1234567890ab"
    )
    error_message = "default encryption must be SSE-KMS with the module's key"
  }
  assert {
    condition     = output.kms_key_arn == "arn:aws:kms:eu-central-1:123456789012:key/0f1e2d3c-aaaa-bbbb-cccc-1234567890ab"
    error_message = "kms_key_arn output must be the module key"
  }
}

run "given_kms_key" {
  command = plan

  variables {
    kms_key_arn = "arn:aws:kms:eu-central-1:123456789012:key/99999999-8888-7777-6666-555555555555"
  }

  assert {
    condition     = length(aws_kms_key.this) == 0 && length(aws_kms_alias.this) == 0
    error_message = "no key is created when one is given"
  }
  assert {
    condition     = one(aws_s3_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default[0].kms_master_key_id == var.kms_key_arn
    error_message = "the given key must encrypt the bucket"
  }
}

run "model_prefix_outputs" {
  command = plan

  assert {
    condition     = output.model_prefix_arn == "arn:aws:s3:::inferfn-models/models/*" && output.models_uri_prefix == "s3://inferfn-models/models/"
    error_message = "model prefix helper outputs expected"
  }
  assert {
    condition     = length(aws_s3_bucket_lifecycle_configuration.this) == 0
    error_message = "no lifecycle rule unless noncurrent_version_expiration_days is set"
  }
}

run "rejects_invalid_bucket_name" {
  command = plan
  variables {
    bucket_name = "Inferfn_Models"
  }
  expect_failures = [var.bucket_name]
}

run "rejects_kms_alias_instead_of_key" {
  command = plan
  variables {
    kms_key_arn = "alias/inferfn"
  }
  expect_failures = [var.kms_key_arn]
}
