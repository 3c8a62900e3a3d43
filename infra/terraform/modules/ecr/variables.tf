variable "name_prefix" {
  description = "Prefix of every repository name, e.g. dazn-runners (repositories are <name_prefix>/<name>)."
  type        = string
  default     = "dazn-runners"
}

variable "repositories" {
  description = "Repositories to create, keyed by image name (stack 01 passes the image-names module's, from infra/images/images.json). keep_tagged: how many tagged images to keep (newest first); untagged_days: days after which untagged images expire."
  type = map(object({
    keep_tagged   = optional(number, 30)
    untagged_days = optional(number, 7)
  }))
  validation {
    condition     = alltrue([for k, r in var.repositories : can(regex("^[a-z0-9][a-z0-9._-]*$", k)) && r.keep_tagged >= 1 && r.untagged_days >= 1])
    error_message = "repositories: names must be lower case ([a-z0-9._-]); keep_tagged and untagged_days must be >= 1."
  }
}

variable "image_tag_mutability" {
  description = "IMMUTABLE (a tag always names the same image, recommended) or MUTABLE."
  type        = string
  default     = "IMMUTABLE"

  validation {
    condition     = contains(["IMMUTABLE", "MUTABLE"], var.image_tag_mutability)
    error_message = "image_tag_mutability must be IMMUTABLE or MUTABLE."
  }
}

variable "force_delete" {
  description = "Delete repositories even when they hold images (true only for throw-away environments)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags merged into every resource's tags."
  type        = map(string)
  default     = {}
}
