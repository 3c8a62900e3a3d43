output "pools" {
  description = "Every pool, normalised: the input attributes with defaults applied (max_runners, warm, fallback_pool ...), plus name, instance_type (ecs), runner_group, labels (the pool's own), github_labels (self-hosted, linux, X64/ARM64, then labels), ecs_cpu_architecture, spot and max_agents (ecs)."
  value       = local.pools
}

output "ecs_pools" {
  description = "The pools of cluster \"ecs\" (ECS on EC2 agents), normalised as in pools."
  value       = { for k, p in local.pools : k => p if p.cluster == "ecs" }
}

output "fargate_pools" {
  description = "The pools of cluster \"fargate\", normalised as in pools."
  value       = { for k, p in local.pools : k => p if p.cluster == "fargate" }
}

output "office_hours" {
  description = "The office hours as the scaler reads them (OFFICE_HOURS), e.g. \"Mon-Fri 08:00-19:00\", in time_zone."
  value       = local.office_hours
}

output "time_zone" {
  description = "The office hours' IANA time zone."
  value       = var.time_zone
}

output "totals" {
  description = "Summed over the pools: max_runners, warm_office_hours, warm_other_hours."
  value = {
    max_runners       = sum([for p in local.pools : p.max_runners])
    warm_office_hours = sum([for p in local.pools : p.warm.office_hours])
    warm_other_hours  = sum([for p in local.pools : p.warm.other_hours])
  }
}
