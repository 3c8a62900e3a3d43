output "pools" {
  description = "The normalised pools (runner-pools module)."
  value       = module.pools.pools
}

output "office_hours" {
  description = "The office hours (the pools' warm.office_hours apply in them) and their time zone."
  value       = "${module.pools.office_hours} ${module.pools.time_zone}"
}

output "capacity_providers" {
  description = "Capacity provider per ECS pool."
  value       = module.ecs.capacity_providers
}

output "registry_mirror_url" {
  description = "Docker Hub pull-through cache URL."
  value       = module.registry_mirror.url
}
