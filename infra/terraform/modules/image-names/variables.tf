variable "definition_path" {
  description = "Path of the image definition (infra/images/images.json, which infra/images/publish.sh builds and pushes from); null = that file of this repository."
  type        = string
  default     = null
}

variable "repository_urls" {
  description = "ECR repository URL per image name (stack 01-ecr's repository_urls); empty = no refs output (stack 01 needs only the names)."
  type        = map(string)
  default     = {}
}

variable "tag" {
  description = "The images' tag: the commit publish.sh built them from (12 hex digits, images.json's tag.pattern). null = no refs output."
  type        = string
  default     = null

  validation {
    condition     = var.tag == null || can(regex(local.definition.tag.pattern, var.tag))
    error_message = "tag (image_tag of the stacks) must be the commit publish.sh pushed, the first 12 hex digits of its sha (git rev-parse --short=12 HEAD): the ECR repositories are IMMUTABLE, so there is no moving tag such as latest."
  }
}
