# Settings every stack shares: each stack folder links this file (same names and defaults in all six).

variable "region" {
  description = "AWS region of the platform."
  type        = string
  default     = "eu-central-1"
}

variable "name_prefix" {
  description = "Prefix of resource names; must be the same in every stack."
  type        = string
  default     = "dazn-runners"
}

variable "ssm_prefix" {
  description = "SSM path under which stacks publish their outputs for the stacks applied after them (<ssm_prefix>/<stack>/<output>)."
  type        = string
  default     = "/dazn-runners"
}

variable "tags" {
  description = "Tags merged into the tags of every resource."
  type        = map(string)
  default = {
    Project   = "dazn-runners"
    ManagedBy = "terraform"
  }
}
