variable "name_prefix" {
  description = "Prefix of the resource names: <name_prefix>-cache-broker (function, its role, log group) and <name_prefix>-cache-isolated (the cache role)."
  type        = string
  default     = "dazn-runners"
}

variable "allowed_owners" {
  description = "GitHub organisation (or user) logins whose repositories' jobs get credentials (ALLOWED_OWNERS; compared case-insensitively by the broker)."
  type        = list(string)

  validation {
    condition     = length(var.allowed_owners) > 0 && alltrue([for o in var.allowed_owners : can(regex("^[A-Za-z0-9][A-Za-z0-9-]{0,38}$", o))])
    error_message = "allowed_owners: at least one GitHub login (letters, digits, hyphens; at most 39 characters)."
  }
}

variable "bucket_arn" {
  description = "ARN of the cache bucket."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_arn))
    error_message = "bucket_arn must be an S3 bucket ARN (arn:aws:s3:::<bucket>), not an object or prefix ARN."
  }
}

variable "prefix" {
  description = "Key prefix of the cache entries (the action's `prefix`); the isolated role reaches only <prefix>/repo-<id>/ref-<hash>/ folders of its session tags."
  type        = string
  default     = "cache"

  validation {
    condition     = length(trim(var.prefix, "/")) > 0 && !strcontains(var.prefix, "*") && !strcontains(var.prefix, "?") && !strcontains(var.prefix, "$")
    error_message = "prefix must be a non-empty key prefix without IAM wildcards (*, ?) or $."
  }
}

variable "kms_key_arn" {
  description = "SSE-KMS key of the bucket, or null for SSE-S3."
  type        = string
  default     = null
}

variable "broker_zip" {
  description = "Path of the broker's zip (broker/dist/broker.zip: index.js at the root, exporting handler), written by broker/package.sh."
  type        = string

  validation {
    condition     = fileexists(var.broker_zip)
    error_message = "broker_zip: no such file; build the broker first (bash broker/build.sh && bash broker/package.sh writes broker/dist/broker.zip) or give its path."
  }
}

variable "audience" {
  description = "The `aud` a job's OIDC token must carry (BROKER_AUDIENCE; the action requests its token for this audience)."
  type        = string
  default     = "dazn-cache"

  validation {
    condition     = length(var.audience) > 0 && var.audience != "sts.amazonaws.com"
    error_message = "audience must be non-empty and not sts.amazonaws.com: a token for the broker must not also be usable with AssumeRoleWithWebIdentity on other roles."
  }
}

variable "oidc_issuer" {
  description = "Issuer of the job tokens (OIDC_ISSUER): https://token.actions.githubusercontent.com, or https://<host>/_services/token on GitHub Enterprise Server."
  type        = string
  default     = "https://token.actions.githubusercontent.com"

  validation {
    condition     = startswith(var.oidc_issuer, "https://")
    error_message = "oidc_issuer must be an https:// URL."
  }
}

variable "github_api_url" {
  description = "GitHub's REST API (GITHUB_API_URL), for the default branch when the App is configured."
  type        = string
  default     = "https://api.github.com"
}

variable "github_app_id" {
  description = "The GitHub App's id (GITHUB_APP_ID), with github_app_secret_arn; the scaler's App serves (it needs only metadata: read)."
  type        = string
  default     = null
}

variable "github_app_secret_arn" {
  description = "Secrets Manager secret holding the App's PEM private key (GITHUB_APP_SECRET_ARN; the scaler's app_key_secret_arn output). null = no App: the default branch is guessed from default_branch_names."
  type        = string
  default     = null

  validation {
    condition     = (var.github_app_secret_arn == null) == (var.github_app_id == null)
    error_message = "github_app_secret_arn and github_app_id go together: set both (the broker reads default branches from GitHub) or neither (it guesses from default_branch_names)."
  }
  validation {
    condition     = var.github_app_secret_arn == null || can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:.+$", coalesce(var.github_app_secret_arn, "-")))
    error_message = "github_app_secret_arn must be a Secrets Manager secret ARN (the scaler stack's app_key_secret_arn output)."
  }
}

variable "default_branch_names" {
  description = "DEFAULT_BRANCHES: without the App, the names a repository's default branch may have (broker/INTERFACE.md, Default branch)."
  type        = list(string)
  default     = ["main", "master"]

  validation {
    condition     = length(var.default_branch_names) > 0 && alltrue([for b in var.default_branch_names : length(b) > 0 && !strcontains(b, ",")])
    error_message = "default_branch_names: at least one branch name, none with a comma."
  }
}

variable "session_seconds" {
  description = "Length of a job's cache session in seconds (SESSION_SECONDS). At most 3600: the broker's AssumeRole is role chaining, which AWS limits to one hour."
  type        = number
  default     = 3600

  validation {
    condition     = var.session_seconds >= 900 && var.session_seconds <= 3600
    error_message = "session_seconds must be 900 to 3600 (STS's minimum; role chaining's maximum of one hour)."
  }
}

variable "lambda_runtime" {
  description = "Node.js runtime of the broker."
  type        = string
  default     = "nodejs22.x"

  validation {
    condition     = contains(["nodejs20.x", "nodejs22.x"], var.lambda_runtime)
    error_message = "lambda_runtime must be nodejs20.x or nodejs22.x (the bundle targets Node 20 and later)."
  }
}

variable "lambda_architecture" {
  description = "CPU architecture of the broker (plain JavaScript: arm64 costs less)."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.lambda_architecture)
    error_message = "lambda_architecture must be arm64 or x86_64."
  }
}

variable "timeout_seconds" {
  description = "Timeout of the broker in seconds (every outside call inside is bounded; broker/INTERFACE.md)."
  type        = number
  default     = 15
}

variable "memory_mib" {
  description = "Memory of the broker in MiB (also its CPU share: signature checks and the SDK's start)."
  type        = number
  default     = 256
}

variable "log_retention_days" {
  description = "Retention of the broker's log group in days."
  type        = number
  default     = 30
}

variable "tags" {
  description = "Tags merged into every resource's tags (none may use the session tag keys cache-*: a role tag of that key would stand in for a session tag)."
  type        = map(string)
  default     = {}

  validation {
    condition     = !anytrue([for k in keys(var.tags) : contains(["cache-repo", "cache-write", "cache-read-ref", "cache-read-base", "cache-read-default"], lower(k))])
    error_message = "tags must not use the session tag keys cache-repo, cache-write, cache-read-ref, cache-read-base or cache-read-default (tag keys are case-insensitive)."
  }
}
