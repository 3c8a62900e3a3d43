# The scaler: webhook and reconciler functions that start one runner task per job (RunTask) in the
# pools of stack 04, with the task definitions of stacks 05 and 06.

module "clusters" {
  source = "../../modules/stack-inputs"

  ssm_prefix = var.ssm_prefix
  stack      = "04-clusters"
  names      = ["ecs_pools", "fargate_pools", "office_hours", "time_zone", "clusters", "registry_mirror_services"]
}

module "cache" {
  source = "../../modules/stack-inputs"

  ssm_prefix = var.ssm_prefix
  stack      = "02-cache"
  names      = ["action_environment"]
}

module "ecs_runners" {
  source = "../../modules/stack-inputs"

  ssm_prefix = var.ssm_prefix
  stack      = "05-ecs-runners"
  names      = ["pools"]
}

module "fargate_runners" {
  source = "../../modules/stack-inputs"

  ssm_prefix = var.ssm_prefix
  stack      = "06-fargate-runners"
  names      = ["pools"]
}

locals {
  dist = "${path.root}/../../../../scaler/dist"
}

module "scaler" {
  source = "../../modules/scaler"

  name_prefix                  = var.name_prefix
  pools                        = merge(module.clusters.values.ecs_pools, module.clusters.values.fargate_pools)
  tasks                        = merge(module.ecs_runners.values.pools, module.fargate_runners.values.pools)
  routing_order                = var.routing_order
  pools_encoding               = var.pools_encoding
  github_api_url               = var.github_api_url
  github_organization          = var.github_organization
  github_app_id                = var.github_app_id
  github_installation_id       = var.github_installation_id
  jit_parameter_prefix         = var.jit_parameter_prefix
  runner_name_prefix           = var.runner_name_prefix
  max_runners                  = var.max_runners
  office_hours                 = module.clusters.values.office_hours
  time_zone                    = module.clusters.values.time_zone
  runner_start_timeout_seconds = var.runner_start_timeout_seconds
  runner_idle_timeout_seconds  = var.runner_idle_timeout_seconds
  webhook_zip                  = coalesce(var.webhook_zip, "${local.dist}/webhook.zip")
  reconciler_zip               = coalesce(var.reconciler_zip, "${local.dist}/reconciler.zip")
  lambda_runtime               = var.lambda_runtime
  log_retention_days           = var.log_retention_days
  secret_recovery_window_days  = var.secret_recovery_window_days
  tags                         = merge(var.tags, { Stack = "07-scaler" })
}

# The platform team's alarms (jobs waiting, scaler errors, runner tasks failing to start, spot
# interruptions, the registry mirror, the cache bucket's 4xx/5xx), all to one SNS topic.
locals {
  # stack 04 publishes the mirror's services (one per zone); a name given here replaces them
  mirror_services = var.registry_mirror_service == null ? tolist(module.clusters.values.registry_mirror_services) : [var.registry_mirror_service]
}

module "alarms" {
  source = "../../modules/platform-alarms"

  name_prefix     = var.name_prefix
  alarm_topic_arn = var.alarm_topic_arn
  scaler_log_groups = {
    webhook    = "/aws/lambda/${module.scaler.function_names.webhook}"
    reconciler = "/aws/lambda/${module.scaler.function_names.reconciler}"
  }
  cluster_arns = { for kind, c in module.clusters.values.clusters : kind => c.arn }
  registry_mirror = var.registry_mirror_service == "" || length(local.mirror_services) == 0 ? null : {
    cluster_name  = module.clusters.values.clusters.fargate.name
    service_names = local.mirror_services
  }
  cache_bucket_name            = module.cache.values.action_environment.DAZN_CACHE_BUCKET
  cache_bucket_request_metrics = !var.emulator_unsupported_off
  thresholds                   = var.alarm_thresholds
  log_retention_days           = var.log_retention_days
  tags                         = merge(var.tags, { Stack = "07-scaler" })
}
