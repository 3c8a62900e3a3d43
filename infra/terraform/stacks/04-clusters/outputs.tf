output "pools" {
  description = "The normalised pools (runner-pools module)."
  value       = module.pools.pools
}

output "schedules" {
  description = "Office hours events and their local times."
  value       = { for k, s in module.pools.schedules : k => s.local_time }
}

output "capacity_providers" {
  description = "Capacity provider per ECS pool."
  value       = module.ecs.capacity_providers
}

output "registry_mirror_url" {
  description = "Docker Hub pull-through cache URL."
  value       = module.registry_mirror.url
}
