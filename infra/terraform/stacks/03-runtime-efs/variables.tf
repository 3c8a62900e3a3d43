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

variable "emulator_unsupported_off" {
  description = "TESTS ONLY (test.sh against moto): switch off the file system policies (moto creates them but answers DeleteFileSystemPolicy with HTTP 500, so a destroy cannot finish). Never true in a real account."
  type        = bool
  default     = false
}
