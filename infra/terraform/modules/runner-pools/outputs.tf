output "pools" {
  description = "Every pool, normalised: the input attributes with defaults applied, plus name, instance_type (ecs), runner_group, labels, ecs_cpu_architecture, spot, max_agents and min_agents (ecs)."
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

output "schedules" {
  description = "Office hours events agents_out, runners_out, runners_in, agents_in, each with minute_of_day, local_time, asg_recurrence (aws_autoscaling_schedule) and cron (aws_appautoscaling_scheduled_action)."
  value       = local.schedules
}

output "time_zone" {
  description = "The schedule's IANA time zone."
  value       = var.time_zone
}

output "totals" {
  description = "Runners in office hours (max) and outside (min), summed over the pools."
  value = {
    max_runners = sum([for p in local.pools : p.max_runners])
    min_runners = sum([for p in local.pools : p.min_runners])
  }
}
