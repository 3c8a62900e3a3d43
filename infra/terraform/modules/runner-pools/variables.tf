variable "pools" {
  description = <<-EOT
    Runner pools, one entry per pool (adding a pool = adding an entry). The key is the pool name
    (lower case letters, digits and hyphens). Attributes:
    cluster ("ecs" = ECS on EC2 agents, "fargate"), arch ("x86_64" or "arm64"),
    capacity ("spot" or "on-demand" for ecs; "FARGATE_SPOT" or "FARGATE" for fargate),
    instance_type (ecs only; default t3.2xlarge for x86_64, t4g.2xlarge for arm64),
    tasks_per_instance (ecs only, default 2), cpu (CPU units, default 4096 = 4 vCPU),
    memory (MiB, default 16384 = 16 GiB), data_volume_gib (ecs only: the agents' extra XFS volume, default 120),
    runner_group (default: the cluster name, "ecs" or "fargate"), extra_labels (added to the pool, arch, capacity labels),
    max_runners (most runners of the pool at any time), warm (idle runners kept ready: office_hours in
    the office hours, other_hours the rest of the week; default 0 and 0), fallback_pool (pool of the same
    architecture the scaler moves a runner to when this one has no capacity, e.g. no spot; default none),
    runtime_sync_push (true only for a pool that runs trusted workflows alone, e.g. a runner group restricted
    to the tool cache warm-up workflow: its tasks mount the shared tool cache read-write and their exit trap
    pushes new tool versions to it; default false: read-only mount, no push; see runtime-sync/README.md).
  EOT
  type = map(object({
    cluster            = string
    arch               = string
    capacity           = string
    instance_type      = optional(string)
    tasks_per_instance = optional(number, 2)
    cpu                = optional(number, 4096)
    memory             = optional(number, 16384)
    data_volume_gib    = optional(number, 120)
    runner_group       = optional(string)
    extra_labels       = optional(list(string), [])
    max_runners        = number
    warm = optional(object({
      office_hours = optional(number, 0)
      other_hours  = optional(number, 0)
    }), {})
    fallback_pool     = optional(string)
    runtime_sync_push = optional(bool, false)
  }))
  nullable = false

  # The spec's seven pools: at most 100 runners; 20 kept warm in office hours, none outside. Spot
  # pools fall back to the on-demand pool of their cluster and architecture.
  default = {
    ecs-x64-spot         = { cluster = "ecs", arch = "x86_64", capacity = "spot", max_runners = 30, warm = { office_hours = 6 }, fallback_pool = "ecs-x64-ondemand" }
    ecs-x64-ondemand     = { cluster = "ecs", arch = "x86_64", capacity = "on-demand", max_runners = 10, warm = { office_hours = 2 } }
    ecs-arm64-spot       = { cluster = "ecs", arch = "arm64", capacity = "spot", max_runners = 20, warm = { office_hours = 4 }, fallback_pool = "ecs-arm64-ondemand" }
    ecs-arm64-ondemand   = { cluster = "ecs", arch = "arm64", capacity = "on-demand", max_runners = 10, warm = { office_hours = 2 } }
    fargate-x64-spot     = { cluster = "fargate", arch = "x86_64", capacity = "FARGATE_SPOT", max_runners = 15, warm = { office_hours = 3 }, fallback_pool = "fargate-x64-ondemand" }
    fargate-x64-ondemand = { cluster = "fargate", arch = "x86_64", capacity = "FARGATE", max_runners = 10, warm = { office_hours = 2 } }
    fargate-arm64        = { cluster = "fargate", arch = "arm64", capacity = "FARGATE", max_runners = 5, warm = { office_hours = 1 } }
  }

  validation {
    condition     = length(var.pools) > 0
    error_message = "pools: define at least one pool."
  }
  validation {
    condition     = alltrue([for name, _ in var.pools : can(regex("^[a-z][a-z0-9-]{0,22}[a-z0-9]$", name))])
    error_message = "pools: every pool name must be 2 to 24 characters of lower case letters, digits and hyphens, starting with a letter (it becomes part of ECS, IAM and auto scaling names)."
  }
  validation {
    condition     = alltrue([for p in var.pools : contains(["ecs", "fargate"], p.cluster)])
    error_message = "pools: cluster must be \"ecs\" (ECS on EC2 agents) or \"fargate\"."
  }
  validation {
    condition     = alltrue([for p in var.pools : contains(["x86_64", "arm64"], p.arch)])
    error_message = "pools: arch must be \"x86_64\" or \"arm64\"."
  }
  validation {
    condition = alltrue([for p in var.pools : contains(
      p.cluster == "ecs" ? ["spot", "on-demand"] : ["FARGATE_SPOT", "FARGATE"], p.capacity
    )])
    error_message = "pools: capacity must be \"spot\" or \"on-demand\" for cluster \"ecs\", and \"FARGATE_SPOT\" or \"FARGATE\" for cluster \"fargate\"."
  }
  validation {
    condition     = alltrue([for p in var.pools : !(p.cluster == "fargate" && p.arch == "arm64" && p.capacity == "FARGATE_SPOT")])
    error_message = "pools: Fargate Spot does not run arm64 tasks; use capacity \"FARGATE\" for a fargate arm64 pool."
  }
  validation {
    condition = alltrue([for p in var.pools : p.instance_type == null || (
      p.cluster == "ecs" && (p.arch == "arm64") == can(regex("^[a-z]+[0-9]+[a-z-]*g[a-z-]*\\.", p.instance_type))
    )])
    error_message = "pools: instance_type is for ecs pools only, and must match arch (a Graviton type such as t4g.2xlarge for arm64, an x86 type such as t3.2xlarge for x86_64)."
  }
  validation {
    condition     = alltrue([for p in var.pools : contains([1024, 2048, 4096, 8192, 16384], p.cpu)])
    error_message = "pools: cpu must be one of 1024, 2048, 4096, 8192, 16384 CPU units (1 to 16 vCPU)."
  }
  validation {
    condition     = alltrue([for p in var.pools : p.memory % 1024 == 0 && p.memory >= 2 * p.cpu && p.memory <= 8 * p.cpu])
    error_message = "pools: memory must be a whole number of GiB (multiple of 1024 MiB) between 2 and 8 GiB per vCPU (Fargate's rule), e.g. 16384 for cpu 4096."
  }
  validation {
    condition     = alltrue([for p in var.pools : p.tasks_per_instance >= 1 && p.tasks_per_instance <= 8 && floor(p.tasks_per_instance) == p.tasks_per_instance])
    error_message = "pools: tasks_per_instance must be a whole number from 1 to 8."
  }
  validation {
    condition     = alltrue([for p in var.pools : p.data_volume_gib >= 20 && p.data_volume_gib <= 16384])
    error_message = "pools: data_volume_gib (the agents' XFS volume) must be between 20 and 16384 GiB."
  }
  validation {
    condition     = alltrue([for p in var.pools : p.max_runners >= 1 && floor(p.max_runners) == p.max_runners])
    error_message = "pools: max_runners must be a whole number >= 1."
  }
  validation {
    condition = alltrue([for p in var.pools : alltrue([for n in [p.warm.office_hours, p.warm.other_hours] :
    n >= 0 && floor(n) == n && n <= p.max_runners])])
    error_message = "pools: warm.office_hours and warm.other_hours must be whole numbers from 0 to the pool's max_runners."
  }
  validation {
    condition = alltrue([for name, p in var.pools : p.fallback_pool == null || (
      p.fallback_pool != name && try(var.pools[p.fallback_pool].arch, "") == p.arch
    )])
    error_message = "pools: fallback_pool must name another pool of the map with the same arch (a job for x86_64 cannot run on arm64)."
  }
}

variable "time_zone" {
  description = "IANA time zone of the office hours schedule, e.g. Europe/Berlin."
  type        = string
  default     = "Europe/Berlin"
  nullable    = false

  validation {
    condition     = can(regex("^(UTC|[A-Z][A-Za-z_]+(/[A-Za-z0-9_+-]+)+)$", var.time_zone))
    error_message = "time_zone must be an IANA time zone name such as Europe/Berlin or UTC."
  }
}

variable "office_hours_start" {
  description = "Local time (HH:MM, in time_zone) at which office hours start, Monday to Friday (the pools' warm.office_hours apply from then)."
  type        = string
  default     = "08:00"
  nullable    = false

  validation {
    condition     = can(regex("^([01][0-9]|2[0-3]):[0-5][0-9]$", var.office_hours_start))
    error_message = "office_hours_start must be HH:MM (24 h), e.g. 08:00."
  }
}

variable "office_hours_end" {
  description = "Local time (HH:MM, in time_zone) at which office hours end, Monday to Friday (warm.other_hours apply until the next start, over the weekend too); after office_hours_start."
  type        = string
  default     = "19:00"
  nullable    = false

  validation {
    condition     = can(regex("^([01][0-9]|2[0-3]):[0-5][0-9]$", var.office_hours_end))
    error_message = "office_hours_end must be HH:MM (24 h), e.g. 19:00."
  }
  validation {
    # HHMM as a number orders like the time of day it names.
    condition     = !can(regex("^([01][0-9]|2[0-3]):[0-5][0-9]$", var.office_hours_start)) || tonumber(replace(var.office_hours_end, ":", "")) > tonumber(replace(var.office_hours_start, ":", ""))
    error_message = "office_hours_end must be after office_hours_start on the same day (e.g. 08:00 to 19:00)."
  }
}
