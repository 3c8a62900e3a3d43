variable "name" {
  description = "Name of the Fargate cluster."
  type        = string
}

variable "container_insights" {
  description = "Container Insights: enabled, enhanced or disabled."
  type        = string
  default     = "enabled"

  validation {
    condition     = contains(["enabled", "enhanced", "disabled"], var.container_insights)
    error_message = "container_insights must be enabled, enhanced or disabled."
  }
}

variable "default_capacity_provider" {
  description = "Capacity provider of tasks started without a strategy: FARGATE or FARGATE_SPOT (runner services always set their own)."
  type        = string
  default     = "FARGATE"

  validation {
    condition     = contains(["FARGATE", "FARGATE_SPOT"], var.default_capacity_provider)
    error_message = "default_capacity_provider must be FARGATE or FARGATE_SPOT."
  }
}

variable "tags" {
  description = "Tags merged into every resource's tags."
  type        = map(string)
  default     = {}
}
