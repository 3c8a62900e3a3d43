variable "name_prefix" {
  description = "Prefix of the role's name: <name_prefix>-images-push."
  type        = string
  default     = "dazn-runners"
}

variable "github_repository" {
  description = "The GitHub repository (owner/name, as GitHub spells it: `sub` is compared case-sensitively) whose images workflow may assume the role."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$", var.github_repository))
    error_message = "github_repository must be <owner>/<name> (letters, digits, and - in the owner; . _ - also in the name), without wildcards."
  }
}

variable "branch" {
  description = "The branch whose jobs may assume the role (sub = repo:<github_repository>:ref:refs/heads/<branch>)."
  type        = string
  default     = "main"

  validation {
    condition     = can(regex("^[A-Za-z0-9._/-]+$", var.branch)) && !startswith(var.branch, "refs/")
    error_message = "branch must be a branch name without wildcards and without refs/heads/, e.g. main."
  }
}

variable "repository_names" {
  description = "Full names of the ECR repositories the role may push to (<repository_prefix>/<image>; stack 01 passes those of infra/images/images.json). Nothing else is reachable."
  type        = list(string)

  validation {
    condition     = length(var.repository_names) > 0 && alltrue([for n in var.repository_names : can(regex("^[a-z0-9]+([._/-][a-z0-9]+)*$", n))])
    error_message = "repository_names: at least one ECR repository name, lower case, without wildcards (e.g. dazn-runners/runner)."
  }
}

variable "create_oidc_provider" {
  description = "Create the account's IAM OIDC provider for token.actions.githubusercontent.com (an account has at most one per URL: false when it exists already, and set oidc_provider_arn)."
  type        = bool
  default     = true
}

variable "oidc_provider_arn" {
  description = "ARN of the account's existing GitHub OIDC provider, used when create_oidc_provider is false."
  type        = string
  default     = null

  validation {
    condition     = var.create_oidc_provider || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:oidc-provider/token\\.actions\\.githubusercontent\\.com$", var.oidc_provider_arn))
    error_message = "oidc_provider_arn (arn:aws:iam::<account>:oidc-provider/token.actions.githubusercontent.com) is required when create_oidc_provider is false."
  }
}

variable "max_session_duration" {
  description = "Longest session of the role in seconds; images.yml asks for role-duration-seconds = 7200, which covers its 90-minute job."
  type        = number
  default     = 7200

  validation {
    condition     = var.max_session_duration >= 3600 && var.max_session_duration <= 43200
    error_message = "max_session_duration must be between 3600 and 43200 seconds (IAM's limits)."
  }
}

variable "tags" {
  description = "Tags merged into every resource's tags."
  type        = map(string)
  default     = {}
}
