variable "name_prefix" {
  description = "Prefix of every resource name (task families, roles, log groups, security group), e.g. dazn-runners."
  type        = string
  default     = "dazn-runners"
}

variable "name" {
  description = "Name of this group of pools (e.g. ecs-runners, fargate-runners); names the security group."
  type        = string
}

variable "pools" {
  description = "Pools to run, as normalised by the runner-pools module (pools, ecs_pools or fargate_pools output): one task definition, task role and execution role each."
  type = map(object({
    cluster           = string
    arch              = string
    capacity          = string
    cpu               = number
    memory            = number
    runner_group      = string
    labels            = list(string)
    max_runners       = number
    runtime_sync_push = bool
  }))

  validation {
    condition     = alltrue([for p in var.pools : contains(["ecs", "fargate"], p.cluster)])
    error_message = "pools: cluster must be ecs or fargate (use the runner-pools module's output)."
  }
}

variable "clusters" {
  description = "Clusters by kind: { ecs = { name, arn }, fargate = { name, arn } }; only the kinds used by pools are needed."
  type        = map(object({ name = string, arn = string }))

  validation {
    condition     = alltrue([for k, c in var.clusters : contains(["ecs", "fargate"], k)])
    error_message = "clusters: keys must be ecs and/or fargate."
  }
}

variable "capacity_providers" {
  description = "Capacity provider name per ecs pool (the ecs-ec2-capacity module's capacity_providers output); published in the pool's capacity provider strategy. Fargate pools use FARGATE or FARGATE_SPOT from the pool."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for k, p in var.pools : p.cluster != "ecs" || contains(keys(var.capacity_providers), k)])
    error_message = "capacity_providers: every ecs pool needs its capacity provider (ecs-ec2-capacity module's capacity_providers output), so that its tasks make managed scaling add agents."
  }
}

variable "images" {
  description = "Container images: runner_ecs (runner image, ecs target, with the Docker client), runner_fargate (fargate target), dind, log_router (fluent-bit)."
  type = object({
    runner_ecs     = string
    runner_fargate = string
    dind           = string
    log_router     = string
  })
}

variable "ecr_repository_arns" {
  description = "ECR repositories the tasks pull from (execution role permission). Empty = images are not in ECR."
  type        = list(string)
  default     = []
}

variable "subnet_ids" {
  description = "Private subnets of the runner tasks (awsvpc)."
  type        = list(string)
}

variable "security_group_ids" {
  description = "Extra security groups of the runner tasks, e.g. the runtime EFS client group."
  type        = list(string)
  default     = []
}

variable "vpc_id" {
  description = "VPC of the runner tasks (for their security group)."
  type        = string
}

variable "runtime_file_systems" {
  description = "Runtime EFS per architecture (runtime-efs module's file_systems output): file_system_id, file_system_arn, access_point_id and access_point_arn (read-write, for pools with runtime_sync_push), read_only_access_point_id and read_only_access_point_arn (every other pool)."
  type = map(object({
    file_system_id             = string
    file_system_arn            = string
    access_point_id            = string
    access_point_arn           = string
    read_only_access_point_id  = string
    read_only_access_point_arn = string
  }))
}

variable "runtime_mount_path" {
  description = "Where the runner container mounts its architecture's runtime EFS (RUNTIME_SYNC_ROOT)."
  type        = string
  default     = "/mnt/runtime-sync"
}

variable "github_url" {
  description = "GitHub base URL."
  type        = string
  default     = "https://github.com"
}

variable "github_organization" {
  description = "Organisation the runners register into."
  type        = string
}

variable "runner_environment" {
  description = "Extra environment of the runner container, e.g. DAZN_CACHE_BUCKET, DAZN_CACHE_ROLE_ARN, DAZN_CACHE_DEFAULT_BRANCH_ROLE_ARN (the runner passes its environment to jobs)."
  type        = map(string)
  default     = {}
}

variable "shared_paths" {
  description = "Runner folders mounted at the same path in the runner and dind containers (ecs pools), so that container steps and container actions see them: work, temp, externals, tool_cache."
  type        = map(string)
  default = {
    work       = "/home/runner/_work"
    temp       = "/home/runner/_work/_temp"
    externals  = "/home/runner/externals"
    tool_cache = "/opt/hostedtoolcache"
  }

  validation {
    condition     = alltrue([for k in ["work", "temp", "externals", "tool_cache"] : contains(keys(var.shared_paths), k)]) && alltrue([for p in values(var.shared_paths) : startswith(p, "/")])
    error_message = "shared_paths: needs absolute paths for work, temp, externals and tool_cache."
  }
}

variable "docker_socket_dir" {
  description = "Folder (shared volume) holding dind's unix socket docker.sock; the runner's DOCKER_HOST points at it."
  type        = string
  default     = "/var/run/dind"
}

variable "dind_extra_capabilities" {
  description = "Capabilities the dind container gets beyond SYS_ADMIN and NET_ADMIN: name => reason (only what the agents' kernel and runtime prove necessary; see /work/shared/notes/dind-on-these-machines.md)."
  type        = map(string)
  default = {
    SYS_PTRACE = "user namespace remapping: runc must read the inner container's mount namespace (else 'failed to get container mount namespace: Permission denied')"
  }

  validation {
    condition     = alltrue([for c, why in var.dind_extra_capabilities : can(regex("^[A-Z_]+$", c)) && !startswith(c, "CAP_") && c != "ALL" && length(trimspace(why)) > 10])
    error_message = "dind_extra_capabilities: names without CAP_ prefix (e.g. SYS_PTRACE), never ALL, each with its reason."
  }
}

variable "dind_health_port" {
  description = "Port of dind's TCP socket on 127.0.0.1, used by its health check only."
  type        = number
  default     = 2375
}

variable "dind_health_command" {
  description = "Health check command of the dind container (ECS ignores the image's HEALTHCHECK; this is the same check: dockerd's _ping on its 127.0.0.1 TCP socket)."
  type        = list(string)
  default     = ["CMD-SHELL", "curl -fsS -o /dev/null http://127.0.0.1:2375/_ping || exit 1"]
}

variable "log_syslog_port" {
  description = "UDP port on 127.0.0.1 where the log sidecar (fluent-bit) receives dind's syslog."
  type        = number
  default     = 5140
}

variable "registry_mirror_url" {
  description = "Docker Hub pull-through cache URL for dind (DIND_REGISTRY_MIRROR)."
  type        = string
  default     = ""
}

variable "data_mount_path" {
  description = "The agents' XFS volume (ecs-ec2-capacity data_mount_path); its dind folder is bind-mounted into dind at /var/lib/dind (DIND_STORAGE_ROOT) for the data-root and exec-root."
  type        = string
  default     = "/mnt/runners"
}

variable "ec2_memory_headroom_mib" {
  description = "MiB of a pool's memory left unreserved on EC2 agents, so that tasks_per_instance tasks fit beside the ECS agent (a t3.2xlarge registers about 31 GiB, not 32)."
  type        = number
  default     = 1024
}

variable "stop_timeout" {
  description = "Seconds between SIGTERM and SIGKILL for the runner containers (ECS maximum 120): the exit trap's runtime-sync push and deregistration must fit."
  type        = number
  default     = 120

  validation {
    condition     = var.stop_timeout <= 120 && var.stop_timeout >= var.runtime_sync_push_budget + 15
    error_message = "stop_timeout must be at most 120 (ECS limit) and at least runtime_sync_push_budget + 15 seconds (deregistration after the push)."
  }
}

variable "runtime_sync_push_budget" {
  description = "runtime-sync push budget in seconds (RUNTIME_SYNC_TIMEOUT_SECONDS for push, default 90); stop_timeout must leave room for it."
  type        = number
  default     = 90
}

variable "runtime_sync_layout" {
  description = "How runtime-sync keeps versions on the runtime EFS (RUNTIME_SYNC_LAYOUT): \"archive\" (one .tar.zst per version: on the EFS model about 4x faster to pull and 14x faster to push than one file at a time) or \"folders\" (one folder per version, rsync of every file). Pull reads both forms."
  type        = string
  default     = "archive"

  validation {
    condition     = contains(["archive", "folders"], var.runtime_sync_layout)
    error_message = "runtime_sync_layout must be \"archive\" or \"folders\"."
  }
}

variable "fargate_ephemeral_storage_gib" {
  description = "Ephemeral storage of Fargate runner tasks (21 to 200 GiB)."
  type        = number
  default     = 100

  validation {
    condition     = var.fargate_ephemeral_storage_gib >= 21 && var.fargate_ephemeral_storage_gib <= 200
    error_message = "fargate_ephemeral_storage_gib must be between 21 and 200."
  }
}

variable "job_hooks" {
  description = "Runner job hooks (ACTIONS_RUNNER_HOOK_JOB_STARTED / _COMPLETED) inside the image, e.g. scripts that set ECS task scale-in protection; null = not set."
  type = object({
    started   = optional(string)
    completed = optional(string)
  })
  default = {}
}

variable "log_retention_days" {
  description = "Retention of the runner log groups."
  type        = number
  default     = 30
}

variable "tags" {
  description = "Tags merged into every resource's tags."
  type        = map(string)
  default     = {}
}

variable "dind_security_options" {
  description = "dockerSecurityOptions of the dind container. Default no-new-privileges: dockerd and its children cannot gain privileges through setuid binaries (infra/images/README.md)."
  type        = list(string)
  default     = ["no-new-privileges"]
}

variable "jit_parameter_prefix" {
  description = "SSM path under which the scaler writes each runner's JIT configuration (JIT_PARAMETER_PREFIX of scaler/INTERFACE.md); the task role may read and delete parameters under it, nothing else of SSM."
  type        = string
  default     = "/dazn-runners/jit"

  validation {
    condition     = can(regex("^(/[A-Za-z0-9_.-]+)+$", var.jit_parameter_prefix))
    error_message = "jit_parameter_prefix must be an absolute SSM path without a trailing slash, e.g. /dazn-runners/jit."
  }
}
