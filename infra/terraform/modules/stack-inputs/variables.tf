variable "ssm_prefix" {
  description = "Root of the stacks' SSM parameters (same as the publishing stack's)."
  type        = string
  default     = "/dazn-runners"
}

variable "stack" {
  description = "Name of the stack whose outputs are read (e.g. 02-cache); it must have been applied first."
  type        = string
}

variable "names" {
  description = "Output names to read."
  type        = set(string)
}
