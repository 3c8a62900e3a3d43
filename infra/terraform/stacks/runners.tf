# The runner services of one cluster kind: stacks 05-ecs-runners and 06-fargate-runners link this file
# and set local.kind ("ecs" or "fargate") and local.stack in their own kind.tf.

variable "github_organization" {
  description = "GitHub organisation the runners register into."
  type        = string
}

variable "runner_secret_arn" {
  description = "Secrets Manager secret (or SSM parameter) ARN holding the runner registration secret (GitHub App key, registration token or JIT config source, as the runner image expects); injected as RUNNER_TOKEN (a registration token; the runner image also accepts RUNNER_JIT_CONFIG, see infra/images/runner)."
  type        = string
}

variable "image_tag" {
  description = "Tag of the runner, dind and log-router images in ECR (the runner repository holds <tag>-ecs and <tag>-fargate)."
  type        = string
  default     = "latest"
}

variable "runner_environment" {
  description = "Extra environment of the runner container (merged over the cache action's settings from stack 02)."
  type        = map(string)
  default     = {}
}

variable "stop_timeout" {
  description = "Seconds between SIGTERM and SIGKILL of runner containers (<= 120, >= push budget + 15)."
  type        = number
  default     = 120
}

variable "job_hooks" {
  description = "Runner job hook scripts in the image (task scale-in protection while a job runs); null attributes = not set."
  type = object({
    started   = optional(string)
    completed = optional(string)
  })
  default = {}
}

variable "emulator_unsupported_off" {
  description = "TESTS ONLY (test.sh against moto): switch off the services' application auto scaling targets (moto lacks the tagging API the provider reads them with). Never true in a real account."
  type        = bool
  default     = false
}

module "ecr" {
  source = "../../modules/stack-inputs"

  ssm_prefix = var.ssm_prefix
  stack      = "01-ecr"
  names      = ["repository_urls", "repository_arns"]
}

module "cache" {
  source = "../../modules/stack-inputs"

  ssm_prefix = var.ssm_prefix
  stack      = "02-cache"
  names      = ["action_environment"]
}

module "efs" {
  source = "../../modules/stack-inputs"

  ssm_prefix = var.ssm_prefix
  stack      = "03-runtime-efs"
  names      = ["vpc_id", "subnet_ids", "file_systems", "client_security_group_id"]
}

module "clusters" {
  source = "../../modules/stack-inputs"

  ssm_prefix = var.ssm_prefix
  stack      = "04-clusters"
  names      = ["${local.kind}_pools", "schedules", "time_zone", "clusters", "capacity_providers", "registry_mirror_url", "data_mount_path"]
}

locals {
  repo = module.ecr.values.repository_urls
}

module "runners" {
  source = "../../modules/runner-service"

  name_prefix        = var.name_prefix
  name               = "${local.kind}-runners"
  pools              = module.clusters.values["${local.kind}_pools"]
  clusters           = { (local.kind) = module.clusters.values.clusters[local.kind] }
  capacity_providers = local.kind == "ecs" ? module.clusters.values.capacity_providers : {}
  images = {
    runner_ecs     = "${local.repo["runner"]}:${var.image_tag}-ecs"
    runner_fargate = "${local.repo["runner"]}:${var.image_tag}-fargate"
    dind           = "${local.repo["dind"]}:${var.image_tag}"
    log_router     = "${local.repo["log-router"]}:${var.image_tag}"
  }
  ecr_repository_arns      = [for name in ["runner", "dind", "log-router"] : module.ecr.values.repository_arns[name]]
  vpc_id                   = module.efs.values.vpc_id
  subnet_ids               = module.efs.values.subnet_ids
  security_group_ids       = [module.efs.values.client_security_group_id]
  runtime_file_systems     = module.efs.values.file_systems
  github_organization      = var.github_organization
  runner_secrets           = { RUNNER_TOKEN = var.runner_secret_arn }
  runner_environment       = merge(module.cache.values.action_environment, var.runner_environment)
  registry_mirror_url      = module.clusters.values.registry_mirror_url
  data_mount_path          = module.clusters.values.data_mount_path
  stop_timeout             = var.stop_timeout
  job_hooks                = var.job_hooks
  schedules                = module.clusters.values.schedules
  time_zone                = module.clusters.values.time_zone
  emulator_unsupported_off = var.emulator_unsupported_off
  tags                     = merge(var.tags, { Stack = local.stack })
}

output "services" {
  description = "Per pool: service name, cluster kind, capacity provider, task definition ARN, log group."
  value       = module.runners.services
}
