variable "bucket_name" {
  description = "Name of the cache bucket (globally unique)."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be a valid S3 bucket name: 3 to 63 characters of lower case letters, digits, dots and hyphens."
  }
}

variable "prefix" {
  description = "Key prefix of the cache entries inside the bucket (the action's `prefix`, default `cache`)."
  type        = string
  default     = "cache"

  validation {
    condition     = can(regex("^[A-Za-z0-9!_.*'()-]+(/[A-Za-z0-9!_.*'()-]+)*$", var.prefix))
    error_message = "prefix must be one or more path segments without leading or trailing slash, e.g. cache."
  }
}

variable "entry_expiration_days" {
  description = "Days after which a cache entry expires (actions/cache evicts entries unused for 7 days; S3 counts from creation)."
  type        = number
  default     = 14

  validation {
    condition     = var.entry_expiration_days >= 1
    error_message = "entry_expiration_days must be >= 1."
  }
}

variable "incomplete_upload_days" {
  description = "Days after which incomplete multipart uploads (killed saves) are aborted and their parts deleted."
  type        = number
  default     = 1

  validation {
    condition     = var.incomplete_upload_days >= 1
    error_message = "incomplete_upload_days must be >= 1."
  }
}

variable "kms_key_arn" {
  description = "KMS key for SSE-KMS; null = SSE-S3 (AES256). With a key, the cache roles need kms:Decrypt and kms:GenerateDataKey on it (cache-roles module, same input)."
  type        = string
  default     = null
}

variable "force_destroy" {
  description = "Allow destroying the bucket with objects in it (true only for throw-away environments)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags merged into every resource's tags."
  type        = map(string)
  default     = {}
}
