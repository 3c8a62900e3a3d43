# The runner task definitions of one cluster kind: stacks 05-ecs-runners and 06-fargate-runners link
# this file and set local.kind ("ecs" or "fargate") and local.stack in their own kind.tf. No ECS
# service: the scaler (stack 07-scaler) starts one task per runner with RunTask, so neither a scale-in
# nor a deploy of this stack stops a task (a new task definition revision is used by the next RunTask;
# running tasks keep theirs).

variable "github_organization" {
  description = "GitHub organisation the runners register into."
  type        = string
}

variable "image_tag" {
  description = "Tag of the images publish.sh pushed: the commit, 12 hex digits (git rev-parse --short=12 HEAD); the runner is pulled as <tag>-ecs or <tag>-fargate (infra/images/images.json). No default: the repositories are IMMUTABLE, there is no moving tag."
  type        = string
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

variable "jit_parameter_prefix" {
  description = "SSM path of the scaler's JIT configurations (JIT_PARAMETER_PREFIX, scaler/INTERFACE.md); the same in stack 07-scaler. The task roles may read and delete parameters under it."
  type        = string
  default     = "/dazn-runners/jit"
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
  names      = ["${local.kind}_pools", "clusters", "capacity_providers", "registry_mirror_url", "data_mount_path"]
}

# The references of infra/images/images.json, the definition publish.sh pushes from.
module "images" {
  source = "../../modules/image-names"

  repository_urls = module.ecr.values.repository_urls
  tag             = var.image_tag
}

module "runners" {
  source = "../../modules/runner-service"

  name_prefix        = var.name_prefix
  name               = "${local.kind}-runners"
  pools              = module.clusters.values["${local.kind}_pools"]
  clusters           = { (local.kind) = module.clusters.values.clusters[local.kind] }
  capacity_providers = local.kind == "ecs" ? module.clusters.values.capacity_providers : {}
  images = {
    runner_ecs     = module.images.refs["runner-ecs"]
    runner_fargate = module.images.refs["runner-fargate"]
    dind           = module.images.refs["dind"]
    log_router     = module.images.refs["log-router"]
  }
  ecr_repository_arns  = [for name in ["runner", "dind", "log-router"] : module.ecr.values.repository_arns[name]]
  vpc_id               = module.efs.values.vpc_id
  subnet_ids           = module.efs.values.subnet_ids
  security_group_ids   = [module.efs.values.client_security_group_id]
  runtime_file_systems = module.efs.values.file_systems
  github_organization  = var.github_organization
  runner_environment   = merge(module.cache.values.action_environment, var.runner_environment)
  registry_mirror_url  = module.clusters.values.registry_mirror_url
  data_mount_path      = module.clusters.values.data_mount_path
  stop_timeout         = var.stop_timeout
  job_hooks            = var.job_hooks
  jit_parameter_prefix = var.jit_parameter_prefix
  tags                 = merge(var.tags, { Stack = local.stack })
}

# What the scaler (stack 07-scaler) needs to start each pool's tasks.
module "outputs" {
  source = "../../modules/stack-outputs"

  ssm_prefix = var.ssm_prefix
  stack      = local.stack
  values = {
    pools = module.runners.pools
  }
  tags = var.tags
}

output "pools" {
  description = "Per pool: cluster, task definition ARN, container name, capacity provider strategy, network, task and execution role ARNs, log group (published to <ssm_prefix>/<stack>/pools for stack 07-scaler)."
  value       = module.runners.pools
}
