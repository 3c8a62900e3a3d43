# Pure logic, no resources: normalises the pool map and the office hours, so that the cluster stack
# (agents), the runner stacks (task definitions) and the scaler stack (POOLS) derive everything from
# one map.

locals {
  default_instance_type = { x86_64 = "t3.2xlarge", arm64 = "t4g.2xlarge" }
  # How GitHub names the architecture in a runner's default labels.
  github_arch = { x86_64 = "X64", arm64 = "ARM64" }

  pools = {
    for name, p in var.pools : name => merge(p, {
      name          = name
      instance_type = p.cluster == "ecs" ? coalesce(p.instance_type, local.default_instance_type[p.arch]) : null
      runner_group  = coalesce(p.runner_group, p.cluster)
      # Labels name pool, architecture and capacity (spec), plus the cluster kind.
      labels = distinct(concat([name, p.arch, lower(replace(p.capacity, "_", "-")), p.cluster], p.extra_labels))
      # Every label a runner of the pool carries on GitHub: the default ones first (what jobs ask for
      # with runs-on: [self-hosted, linux, X64]), then the pool's. The scaler routes on these.
      github_labels = distinct(concat(["self-hosted", "linux", local.github_arch[p.arch]],
      [name, p.arch, lower(replace(p.capacity, "_", "-")), p.cluster], p.extra_labels))
      # ECS task definition / capacity names.
      ecs_cpu_architecture = upper(p.arch)
      spot                 = contains(["spot", "FARGATE_SPOT"], p.capacity)
      # EC2 agents at most (ecs pools only); the capacity provider's managed scaling sizes the group
      # between 0 and this from the tasks the scaler starts.
      max_agents = p.cluster == "ecs" ? ceil(p.max_runners / p.tasks_per_instance) : 0
    })
  }

  # The scaler's OFFICE_HOURS setting (scaler/INTERFACE.md), e.g. "Mon-Fri 08:00-19:00".
  office_hours = "Mon-Fri ${var.office_hours_start}-${var.office_hours_end}"
}
