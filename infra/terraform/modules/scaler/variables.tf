variable "name_prefix" {
  description = "Prefix of every resource name (functions, role, table, secrets, log groups), e.g. dazn-runners."
  type        = string
  default     = "dazn-runners"
}

variable "pools" {
  description = "The pools, as normalised by the runner-pools module (its pools output): github_labels, runner_group, max_runners, warm and fallback_pool of each."
  type = map(object({
    arch          = string
    runner_group  = string
    github_labels = list(string)
    max_runners   = number
    warm          = object({ office_hours = number, other_hours = number })
    fallback_pool = optional(string)
  }))

  validation {
    condition     = length(var.pools) > 0
    error_message = "pools: the scaler needs at least one pool (runner-pools module's pools output)."
  }
}

variable "tasks" {
  description = "Per pool, how to start its task (the runner-service module's pools output, published by stacks 05 and 06): cluster_arn, task_definition_arn, container_name, capacity_provider_strategy, launch_type, network, task_role_arn, execution_role_arn."
  type = map(object({
    cluster_arn         = string
    task_definition_arn = string
    container_name      = string
    capacity_provider_strategy = list(object({
      capacity_provider = string
      weight            = number
      base              = number
    }))
    launch_type = optional(string)
    network = optional(object({
      subnets          = list(string)
      security_groups  = list(string)
      assign_public_ip = bool
    }))
    task_role_arn      = string
    execution_role_arn = string
  }))

  validation {
    condition     = alltrue([for t in var.tasks : can(regex("^arn:aws[a-z-]*:ecs:[a-z0-9-]+:[0-9]{12}:cluster/", t.cluster_arn)) && can(regex("^arn:aws[a-z-]*:ecs:[a-z0-9-]+:[0-9]{12}:task-definition/[A-Za-z0-9_-]+:[0-9]+$", t.task_definition_arn))])
    error_message = "tasks: cluster_arn must be an ECS cluster ARN and task_definition_arn a task definition ARN with its revision (the runner-service module's pools output)."
  }
  validation {
    condition     = alltrue([for name, _ in var.pools : contains(keys(var.tasks), name)])
    error_message = "tasks: every pool needs its task entry: apply stacks 05-ecs-runners and 06-fargate-runners after changing the pools in 04-clusters, then this stack."
  }
  validation {
    condition     = alltrue([for t in var.tasks : (length(t.capacity_provider_strategy) > 0) != (t.launch_type != null)])
    error_message = "tasks: each pool starts its tasks either with a capacity provider strategy or with a launch type, not both and not neither."
  }
}

variable "routing_order" {
  description = "Pool names in the order the scaler routes jobs (a job goes to the first pool whose labels include all of the job's): null = the order of the pools map, which Terraform sorts by name (so ecs-x64-ondemand before ecs-x64-spot)."
  type        = list(string)
  default     = null

  validation {
    condition     = var.routing_order == null || try(length(var.routing_order) == length(var.pools) && toset(var.routing_order) == toset(keys(var.pools)), false)
    error_message = "routing_order must name every pool exactly once (or be null for the map's order)."
  }
}

variable "pools_encoding" {
  description = "How POOLS is written: \"json\" (scaler/INTERFACE.md's JSON array), \"gzip-base64\" (that JSON gzipped, base64-encoded: Lambda's 4 KB environment limit holds about seven pools of plain JSON only without subnets), or \"auto\" = json when the environment fits in 4 KB, else gzip-base64."
  type        = string
  default     = "auto"

  validation {
    condition     = contains(["auto", "json", "gzip-base64"], var.pools_encoding)
    error_message = "pools_encoding must be auto, json or gzip-base64."
  }
}

variable "github_api_url" {
  description = "GitHub REST API (GITHUB_API_URL): https://api.github.com, or https://<host>/api/v3 for GitHub Enterprise Server."
  type        = string
  default     = "https://api.github.com"

  validation {
    condition     = can(regex("^https?://[^/]+", var.github_api_url)) && !endswith(var.github_api_url, "/")
    error_message = "github_api_url must be an http(s) URL without a trailing slash, e.g. https://api.github.com."
  }
}

variable "github_organization" {
  description = "GitHub organisation the runners register into (GITHUB_ORG); the App is installed on it."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9-]{0,38}$", var.github_organization))
    error_message = "github_organization must be a GitHub organisation login (letters, digits, hyphens), e.g. dazn."
  }
}

variable "github_app_id" {
  description = "The GitHub App's numeric App ID (GITHUB_APP_ID), from the App's settings page."
  type        = string

  validation {
    condition     = can(regex("^[0-9]+$", var.github_app_id))
    error_message = "github_app_id must be the App's numeric ID (App settings, \"App ID\"), e.g. \"123456\"; not its client ID."
  }
}

variable "github_installation_id" {
  description = "The numeric ID of the App's installation on the organisation (GITHUB_INSTALLATION_ID): the number at the end of https://github.com/organizations/<org>/settings/installations/<id>."
  type        = string

  validation {
    condition     = can(regex("^[0-9]+$", var.github_installation_id))
    error_message = "github_installation_id must be numeric: the number at the end of the installation's settings URL."
  }
}

variable "jit_parameter_prefix" {
  description = "SSM path of the runners' JIT configurations (JIT_PARAMETER_PREFIX); the same as the runner stacks'."
  type        = string
  default     = "/dazn-runners/jit"

  validation {
    condition     = can(regex("^(/[A-Za-z0-9_.-]+)+$", var.jit_parameter_prefix))
    error_message = "jit_parameter_prefix must be an absolute SSM path without a trailing slash, e.g. /dazn-runners/jit."
  }
}

variable "runner_name_prefix" {
  description = "Prefix of runner names (RUNNER_NAME_PREFIX): the scaler stops and deletes only runners and tasks whose name starts with <prefix>-."
  type        = string
  default     = "dazn"

  validation {
    condition     = can(regex("^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$", var.runner_name_prefix))
    error_message = "runner_name_prefix must be 1 to 20 characters of letters, digits, '.', '_' or '-' (runner names are at most 64 characters)."
  }
}

variable "max_runners" {
  description = "Most runners over all pools at once (MAX_RUNNERS); null = the sum of the pools' max_runners."
  type        = number
  default     = null

  validation {
    condition     = var.max_runners == null || try(var.max_runners >= 1 && floor(var.max_runners) == var.max_runners, false)
    error_message = "max_runners must be a whole number >= 1 (or null for the sum of the pools' maxima)."
  }
}

variable "office_hours" {
  description = "When the pools' warm.office_hours apply (OFFICE_HOURS), e.g. \"Mon-Fri 08:00-19:00\" (runner-pools module's office_hours output)."
  type        = string

  validation {
    condition     = can(regex("^Mon-Fri ([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$", var.office_hours))
    error_message = "office_hours must look like \"Mon-Fri 08:00-19:00\" (the runner-pools module's office_hours output)."
  }
}

variable "time_zone" {
  description = "IANA time zone of office_hours (TIME_ZONE), e.g. Europe/Berlin."
  type        = string
}

variable "runner_start_timeout_seconds" {
  description = "A runner not online this long after its start is treated as failed: task stopped, registration deleted (RUNNER_START_TIMEOUT_SECONDS)."
  type        = number
  default     = 600
}

variable "runner_idle_timeout_seconds" {
  description = "An online runner beyond the pool's warm minimum that got no job this long is stopped and removed (RUNNER_IDLE_TIMEOUT_SECONDS)."
  type        = number
  default     = 900
}

variable "webhook_zip" {
  description = "Path of the webhook function's zip (scaler/dist/webhook.zip: index.js at the root, exporting handler), written by scaler/package.sh."
  type        = string
}

variable "reconciler_zip" {
  description = "Path of the reconciler function's zip (scaler/dist/reconciler.zip), written by scaler/package.sh."
  type        = string
}

variable "lambda_runtime" {
  description = "Node.js runtime of both functions."
  type        = string
  default     = "nodejs22.x"

  validation {
    condition     = contains(["nodejs20.x", "nodejs22.x"], var.lambda_runtime)
    error_message = "lambda_runtime must be nodejs20.x or nodejs22.x (the bundles target Node 20 and later)."
  }
}

variable "lambda_architecture" {
  description = "CPU architecture of both functions (the bundles are plain JavaScript: arm64 costs less)."
  type        = string
  default     = "arm64"

  validation {
    condition     = contains(["arm64", "x86_64"], var.lambda_architecture)
    error_message = "lambda_architecture must be arm64 or x86_64."
  }
}

variable "webhook_timeout_seconds" {
  description = "Timeout of the webhook function; GitHub waits 10 s for the answer to a delivery, so at most 10."
  type        = number
  default     = 10

  validation {
    condition     = var.webhook_timeout_seconds >= 3 && var.webhook_timeout_seconds <= 10
    error_message = "webhook_timeout_seconds must be 3 to 10: GitHub gives up on a delivery after 10 s."
  }
}

variable "reconciler_timeout_seconds" {
  description = "Timeout of the reconciler; at most 60, its schedule's period, so one run ends before the next starts."
  type        = number
  default     = 60

  validation {
    condition     = var.reconciler_timeout_seconds >= 10 && var.reconciler_timeout_seconds <= 60
    error_message = "reconciler_timeout_seconds must be 10 to 60 (it runs every minute, one at a time)."
  }
}

variable "webhook_memory_mib" {
  description = "Memory of the webhook function (MiB; Lambda gives CPU in proportion)."
  type        = number
  default     = 256
}

variable "reconciler_memory_mib" {
  description = "Memory of the reconciler function (MiB)."
  type        = number
  default     = 512
}

variable "reconciler_schedule" {
  description = "EventBridge schedule expression of the reconciler."
  type        = string
  default     = "rate(1 minute)"
}

variable "state_ttl_attribute" {
  description = "Attribute of the state table that DynamoDB's TTL reads (epoch seconds): expired delivery records go by themselves."
  type        = string
  default     = "expiresAt"
}

variable "log_retention_days" {
  description = "Retention of the functions' log groups in days."
  type        = number
  default     = 30
}

variable "secret_recovery_window_days" {
  description = "Days a deleted secret (App key, webhook secret) can be restored; 0 deletes at once (throw-away environments and tests only)."
  type        = number
  default     = 7

  validation {
    condition     = var.secret_recovery_window_days == 0 || (var.secret_recovery_window_days >= 7 && var.secret_recovery_window_days <= 30)
    error_message = "secret_recovery_window_days must be 0 or 7 to 30 (Secrets Manager's range)."
  }
}

variable "tags" {
  description = "Tags merged into every resource's tags."
  type        = map(string)
  default     = {}
}
