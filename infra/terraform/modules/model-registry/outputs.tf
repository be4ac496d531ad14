output "bucket_name" {
  description = "Name of the model registry bucket."
  value       = aws_s3_bucket.this.id
}

output "bucket_arn" {
  description = "ARN of the model registry bucket."
  value       = aws_s3_bucket.this.arn
}

output "kms_key_arn" {
  description = "ARN of the KMS key encrypting the bucket (module-created or given); functions need kms:Decrypt on it."
  value       = local.kms_key_arn
}

output "models_uri_prefix" {
  description = "s3:// URI under which models are published: append <name>/<version>/ for a function's model_uri."
  value       = "s3://${aws_s3_bucket.this.id}/${var.models_prefix}"
}

output "model_prefix_arn" {
  description = "ARN pattern of every published model object, arn:aws:s3:::<bucket>/models/*. Grant single model versions (<name>/<version>/*) rather than this where possible."
  value       = "${aws_s3_bucket.this.arn}/${var.models_prefix}*"
}

output "public_access_blocked" {
  description = "True when all four S3 public access block settings are on."
  value = alltrue([
    aws_s3_bucket_public_access_block.this.block_public_acls,
    aws_s3_bucket_public_access_block.this.block_public_policy,
    aws_s3_bucket_public_access_block.this.ignore_public_acls,
    aws_s3_bucket_public_access_block.this.restrict_public_buckets,
  ])
}

output "bucket_policy_json" {
  description = "The bucket policy (JSON): TLS-only deny."
  value       = aws_s3_bucket_policy.this.policy
}
