variable "name_prefix" {
  description = "Prefix of the role names: <name_prefix>-cache-reader and <name_prefix>-cache-pruner."
  type        = string
  default     = "dazn-runners"
}

variable "bucket_arn" {
  description = "ARN of the cache bucket."
  type        = string
}

variable "prefix" {
  description = "The key prefix the cache action uses (DAZN_CACHE_PREFIX), without slashes."
  type        = string
}

variable "oidc_provider_arn" {
  description = "The GitHub OIDC provider's ARN, for workflows that assume the roles (the prune/ step of a scheduled workflow, the pull-request-closed recipe). null: no workflow may."
  type        = string
  default     = null
}

variable "reader_subjects" {
  description = "OIDC `sub` patterns (StringLike) that may assume the reader role (list and usage), e.g. [\"repo:dazn/platform:ref:refs/heads/main\"]."
  type        = list(string)
  default     = []
}

variable "pruner_subjects" {
  description = "OIDC `sub` patterns that may assume the pruner role (also delete and prune). Keep this to the scheduled prune workflow's repository and branch."
  type        = list(string)
  default     = []
}

variable "reader_principals" {
  description = "AWS principals (role or account ARNs: the platform team) that may assume the reader role."
  type        = list(string)
  default     = []
}

variable "pruner_principals" {
  description = "AWS principals that may assume the pruner role."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
