mock_provider "aws" {
  override_data {
    target = data.aws_iam_policy_document.bucket
    values = { json = "{}" }
  }
}

variables {
  bucket_name = "dazn-cache-test"
}

run "expires_entries_and_incomplete_multipart_uploads" {
  command = plan

  assert {
    condition = one([for r in aws_s3_bucket_lifecycle_configuration.this.rule : r if r.id == "expire-cache-entries"]).filter[0].prefix == "cache/" && one([
      for r in aws_s3_bucket_lifecycle_configuration.this.rule : r if r.id == "expire-cache-entries"
    ]).expiration[0].days == 14
    error_message = "Entries under cache/ expire after entry_expiration_days."
  }
  assert {
    condition     = one([for r in aws_s3_bucket_lifecycle_configuration.this.rule : r if r.id == "abort-incomplete-multipart-uploads"]).abort_incomplete_multipart_upload[0].days_after_initiation == 1
    error_message = "Incomplete multipart uploads are aborted after incomplete_upload_days."
  }
  assert {
    condition     = alltrue([for r in aws_s3_bucket_lifecycle_configuration.this.rule : r.status == "Enabled"])
    error_message = "Both lifecycle rules are enabled."
  }
}

run "encrypts_and_blocks_public_access" {
  command = plan

  assert {
    condition     = one(one(aws_s3_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default).sse_algorithm == "AES256"
    error_message = "Default encryption is SSE-S3 without a key."
  }
  assert {
    condition = (aws_s3_bucket_public_access_block.this.block_public_acls && aws_s3_bucket_public_access_block.this.block_public_policy
    && aws_s3_bucket_public_access_block.this.ignore_public_acls && aws_s3_bucket_public_access_block.this.restrict_public_buckets)
    error_message = "All public access is blocked."
  }
}

run "uses_sse_kms_with_a_key" {
  command = plan
  variables {
    kms_key_arn = "arn:aws:kms:eu-central-1:123456789012:key/abc"
  }
  assert {
    condition     = one(one(aws_s3_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default).sse_algorithm == "aws:kms"
    error_message = "A key switches to SSE-KMS."
  }
}

run "bucket_policy_denies_non_tls_access" {
  # The real policy document provider logic is not mocked away here: use the data source's inputs.
  command = plan

  assert {
    condition = (data.aws_iam_policy_document.bucket.statement[0].effect == "Deny"
      && one(data.aws_iam_policy_document.bucket.statement[0].condition).variable == "aws:SecureTransport"
    && one(one(data.aws_iam_policy_document.bucket.statement[0].condition).values) == "false")
    error_message = "The bucket denies every request made without TLS."
  }
}

run "rejects_a_prefix_with_a_trailing_slash" {
  command = plan
  variables {
    prefix = "cache/"
  }
  expect_failures = [var.prefix]
}
