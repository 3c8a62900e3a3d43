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
  description = "Legacy roles only: OIDC `sub` patterns allowed to assume the any-ref cache role; null = every repository of the organisation."
  type        = list(string)
  default     = null
}

variable "default_branch_names" {
  description = "The broker's DEFAULT_BRANCHES (without the App: the names a default branch may have); for the legacy roles, the branch names only the default-branch role writes."
  type        = list(string)
  default     = ["main", "master"]
}

variable "create_oidc_provider" {
  description = "Legacy roles only: create the account's GitHub OIDC provider (false when it exists already: set oidc_provider_arn)."
  type        = bool
  default     = true
}

variable "oidc_provider_arn" {
  description = "Existing GitHub OIDC provider: for the legacy roles when create_oidc_provider is false, and for cache_reader_subjects / cache_pruner_subjects (workflows assuming the management roles) when the legacy roles are off."
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

variable "legacy_oidc_roles" {
  description = "Also create the OIDC roles of before isolated mode (any ref / default branch, AssumeRoleWithWebIdentity). They do not isolate repositories: every repository of the organisation can read every other's entries and write their non-default scopes. Only for a migration."
  type        = bool
  default     = false
}

variable "broker_zip" {
  description = "The broker's zip; null = broker/dist/broker.zip of this repository (bash broker/build.sh && bash broker/package.sh)."
  type        = string
  default     = null
}

variable "allowed_owners" {
  description = "GitHub logins whose repositories' jobs the broker serves; null = [github_organization]."
  type        = list(string)
  default     = null
}

variable "broker_audience" {
  description = "The audience of the job token the broker accepts (BROKER_AUDIENCE; the action's broker-audience)."
  type        = string
  default     = "dazn-cache"
}

variable "oidc_issuer" {
  description = "Issuer of the job tokens the broker accepts (GitHub Enterprise Server: https://<host>/_services/token)."
  type        = string
  default     = "https://token.actions.githubusercontent.com"
}

variable "github_api_url" {
  description = "GitHub's REST API, where the broker reads default branches when the App is given."
  type        = string
  default     = "https://api.github.com"
}

variable "github_app_id" {
  description = "The GitHub App the broker reads default branches with (the scaler's App serves); null = guess from default_branch_names."
  type        = string
  default     = null
}

variable "github_app_secret_arn" {
  description = "The App's private key secret (stack 07-scaler's app_key_secret_arn output; apply this stack again after 07 to set it); null = no App."
  type        = string
  default     = null
}

variable "broker_session_seconds" {
  description = "Length of a job's cache session in seconds, 900 to 3600 (role chaining's limit)."
  type        = number
  default     = 3600
}

variable "log_retention_days" {
  description = "Retention of the broker's log group in days."
  type        = number
  default     = 30
}
