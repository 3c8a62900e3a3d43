variable "vpc_id" {
  description = "VPC of the runners (published for the later stacks)."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets of the runners, one per availability zone (published for the later stacks)."
  type        = list(string)
}

variable "runner_uid" {
  description = "uid/gid of the runner user in the runner image (owner of the runtime-sync root)."
  type        = number
  default     = 1001
}
