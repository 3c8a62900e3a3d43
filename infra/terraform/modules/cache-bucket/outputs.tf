output "bucket_name" {
  description = "The cache bucket's name (the action's `bucket` / DAZN_CACHE_BUCKET)."
  value       = aws_s3_bucket.this.id
}

output "bucket_arn" {
  description = "The cache bucket's ARN."
  value       = aws_s3_bucket.this.arn
}

output "prefix" {
  description = "The entries' key prefix (the action's `prefix` / DAZN_CACHE_PREFIX)."
  value       = var.prefix
}

output "kms_key_arn" {
  description = "The SSE-KMS key, or null for SSE-S3."
  value       = var.kms_key_arn
}
