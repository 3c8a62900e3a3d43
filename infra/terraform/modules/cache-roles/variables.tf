variable "name_prefix" {
  description = "Prefix of the role names: <name_prefix>-cache and <name_prefix>-cache-default-branch."
  type        = string
  default     = "dazn-runners"
}

variable "github_organization" {
  description = "GitHub organisation whose workflows may assume the roles (the owner part of `repo:<owner>/<repo>:...` subjects)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9-]{0,38}$", var.github_organization))
    error_message = "github_organization must be a GitHub organisation login (letters, digits, hyphens)."
  }
  validation {
    # Its folder <prefix>/<org>/ would fall under the isolated layout's <prefix>/repo-*, denied here.
    condition     = !startswith(var.github_organization, "repo-")
    error_message = "github_organization must not start with \"repo-\": the isolated layout (<prefix>/repo-<id>/) owns those folders; use a different prefix for these roles."
  }
}

variable "subject_patterns" {
  description = "StringLike patterns for the token's `sub` allowed to assume the cache role (any ref). null = every repository of the organisation: [\"repo:<org>/*\"]. Every pattern must stay inside the organisation."
  type        = list(string)
  default     = null

  validation {
    condition     = var.subject_patterns == null || alltrue([for p in coalesce(var.subject_patterns, []) : startswith(p, "repo:${var.github_organization}/")])
    error_message = "subject_patterns: every pattern must start with \"repo:<github_organization>/\" so that no other organisation can assume the role."
  }
}

variable "default_branch_names" {
  description = "Branch names treated as default branches: only the default-branch role may write their cache scopes, and it can only be assumed from these refs. IAM cannot read each repository's default branch, so list every name your repositories use."
  type        = list(string)
  default     = ["main", "master"]

  validation {
    condition     = length(var.default_branch_names) > 0 && alltrue([for b in var.default_branch_names : can(regex("^[A-Za-z0-9._/-]+$", b)) && !strcontains(b, "*")])
    error_message = "default_branch_names: at least one branch name, without wildcards."
  }
}

variable "repository_patterns" {
  description = "Repository part of the default-branch role's subjects (`repo:<org>/<pattern>:ref:refs/heads/<branch>`); default every repository."
  type        = list(string)
  default     = ["*"]
}

variable "bucket_arn" {
  description = "ARN of the cache bucket."
  type        = string
}

variable "prefix" {
  description = "Key prefix of the cache entries (the action's `prefix`); the roles reach nothing outside it."
  type        = string
  default     = "cache"
}

variable "kms_key_arn" {
  description = "SSE-KMS key of the bucket, or null for SSE-S3."
  type        = string
  default     = null
}

variable "create_oidc_provider" {
  description = "Create the IAM OIDC provider for token.actions.githubusercontent.com (one per account); false = use oidc_provider_arn."
  type        = bool
  default     = true
}

variable "oidc_provider_arn" {
  description = "ARN of an existing GitHub OIDC provider, used when create_oidc_provider is false."
  type        = string
  default     = null

  validation {
    condition     = var.create_oidc_provider || var.oidc_provider_arn != null
    error_message = "oidc_provider_arn is required when create_oidc_provider is false."
  }
}

variable "max_session_duration" {
  description = "Maximum session length of the roles in seconds (a save runs in a post step, after the job)."
  type        = number
  default     = 3600
}

variable "tags" {
  description = "Tags merged into every resource's tags."
  type        = map(string)
  default     = {}
}
