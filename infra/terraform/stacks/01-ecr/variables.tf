variable "force_delete" {
  description = "Delete the repositories with their images on destroy (throw-away environments only)."
  type        = bool
  default     = false
}

variable "images_push_role" {
  description = "Create the role .github/workflows/images.yml assumes to push the images (needs github_repository); false when images are pushed some other way."
  type        = bool
  default     = true
}

variable "github_repository" {
  description = "The repository (owner/name, as GitHub spells it) whose images workflow on main may assume the push role, e.g. dazn/cache. Required with images_push_role."
  type        = string
  default     = null

  validation {
    condition     = !var.images_push_role || var.github_repository != null
    error_message = "github_repository (owner/name of the repository that runs .github/workflows/images.yml, e.g. dazn/cache) is required when images_push_role is true; set images_push_role = false to create no push role."
  }
}

variable "create_github_oidc_provider" {
  description = "Create the account's GitHub OIDC provider for the push role. An account holds one per issuer URL: set false, and github_oidc_provider_arn, when it exists already (created by hand, by another stack, or by stack 02's legacy roles)."
  type        = bool
  default     = true
}

variable "github_oidc_provider_arn" {
  description = "ARN of the account's existing GitHub OIDC provider, when create_github_oidc_provider is false."
  type        = string
  default     = null
}
