variable "ssm_prefix" {
  description = "Root of the stacks' SSM parameters, e.g. /dazn-runners. A stack's outputs live at <ssm_prefix>/<stack>/<name>."
  type        = string
  default     = "/dazn-runners"

  validation {
    condition     = can(regex("^/[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$", var.ssm_prefix))
    error_message = "ssm_prefix must be an absolute SSM path without trailing slash, e.g. /dazn-runners."
  }
}

variable "stack" {
  description = "Name of the publishing stack (e.g. 02-cache)."
  type        = string
}

variable "values" {
  description = "Outputs to publish: name => any value (stored JSON-encoded, read back by the stack-inputs module)."
  type        = any
}

variable "tags" {
  description = "Tags merged into every resource's tags."
  type        = map(string)
  default     = {}
}
