variable "bucket_name" {
  description = "Name of the cache bucket (globally unique)."
  type        = string
}

variable "prefix" {
  description = "Key prefix of the cache entries (the action's `prefix`)."
  type        = string
  default     = "cache"
}

variable "entry_expiration_days" {
  description = "Days after which cache entries expire."
  type        = number
  default     = 14
}

variable "github_organization" {
  description = "GitHub organisation whose workflows use the cache."
  type        = string
}

variable "subject_patterns" {
  description = "OIDC `sub` patterns allowed to assume the any-ref cache role; null = every repository of the organisation."
  type        = list(string)
  default     = null
}

variable "default_branch_names" {
  description = "Branch names treated as default branches (only the default-branch role writes their scopes)."
  type        = list(string)
  default     = ["main", "master"]
}

variable "create_oidc_provider" {
  description = "Create the account's GitHub OIDC provider (false when it exists already: set oidc_provider_arn)."
  type        = bool
  default     = true
}

variable "oidc_provider_arn" {
  description = "Existing GitHub OIDC provider, when create_oidc_provider is false."
  type        = string
  default     = null
}

variable "force_destroy" {
  description = "Allow destroying the bucket with entries in it (throw-away environments only)."
  type        = bool
  default     = false
}

variable "cache_reader_subjects" {
  description = "GitHub OIDC `sub` patterns that may assume the cache reader role (dazn-cache list, usage)."
  type        = list(string)
  default     = []
}

variable "cache_pruner_subjects" {
  description = "GitHub OIDC `sub` patterns that may assume the cache pruner role (delete, prune; the prune/ step), e.g. [\"repo:dazn/platform:ref:refs/heads/main\"]."
  type        = list(string)
  default     = []
}

variable "cache_reader_principals" {
  description = "AWS principals (the platform team's role) that may assume the cache reader role."
  type        = list(string)
  default     = []
}

variable "cache_pruner_principals" {
  description = "AWS principals that may assume the cache pruner role."
  type        = list(string)
  default     = []
}
