variable "name_prefix" {
  description = "Prefix of resource names, e.g. dazn-runners."
  type        = string
  default     = "dazn-runners"
}

variable "architectures" {
  description = "CPU architectures that get their own runtime file system (runtime-sync refuses a root of another architecture)."
  type        = set(string)
  default     = ["x86_64", "arm64"]

  validation {
    condition     = length(var.architectures) > 0 && alltrue([for a in var.architectures : contains(["x86_64", "arm64"], a)])
    error_message = "architectures: one or more of \"x86_64\", \"arm64\"."
  }
}

variable "vpc_id" {
  description = "VPC of the runners; the security groups are created in it."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets of the runners, one per availability zone: each gets a mount target per file system."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) > 0
    error_message = "subnet_ids: at least one subnet (one per availability zone)."
  }
}

variable "runner_uid" {
  description = "POSIX uid/gid of the runner user in the runner image: the access point enforces it and owns its root folder."
  type        = number
  default     = 1001
}

variable "root_directory" {
  description = "Folder of the access point (created on first use, owned by runner_uid); RUNTIME_SYNC_ROOT points at its mount."
  type        = string
  default     = "/runtime-sync"

  validation {
    condition     = startswith(var.root_directory, "/") && var.root_directory != "/"
    error_message = "root_directory must be an absolute folder other than /, e.g. /runtime-sync."
  }
}

variable "throughput_mode" {
  description = "EFS throughput mode: elastic (pays per use, follows bursts of many runners starting at once) or bursting."
  type        = string
  default     = "elastic"

  validation {
    condition     = contains(["elastic", "bursting"], var.throughput_mode)
    error_message = "throughput_mode must be elastic or bursting."
  }
}

variable "transition_to_ia" {
  description = "Move files not read for this long to Infrequent Access (AFTER_7_DAYS, AFTER_30_DAYS, ...) or null to keep everything in Standard."
  type        = string
  default     = "AFTER_30_DAYS"
}

variable "tags" {
  description = "Tags merged into every resource's tags."
  type        = map(string)
  default     = {}
}

variable "emulator_unsupported_off" {
  description = "TESTS ONLY (test.sh against moto): switch off the file system policies (moto creates them but answers DeleteFileSystemPolicy with HTTP 500, so a destroy cannot finish). Never true in a real account."
  type        = bool
  default     = false
}
