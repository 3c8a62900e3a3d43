# Pure logic, no resources: normalises the pool map and computes the office hours schedule, so that
# the cluster stack (agents) and the runner stacks (services) derive everything from one map.

locals {
  default_instance_type = { x86_64 = "t3.2xlarge", arm64 = "t4g.2xlarge" }
  short_arch            = { x86_64 = "x64", arm64 = "arm64" }

  pools = {
    for name, p in var.pools : name => merge(p, {
      name          = name
      instance_type = p.cluster == "ecs" ? coalesce(p.instance_type, local.default_instance_type[p.arch]) : null
      runner_group  = coalesce(p.runner_group, p.cluster)
      # Labels name pool, architecture and capacity (spec), plus the cluster kind.
      labels = distinct(concat([name, p.arch, lower(replace(p.capacity, "_", "-")), p.cluster], p.extra_labels))
      # ECS task definition / capacity names.
      ecs_cpu_architecture = upper(p.arch)
      spot                 = contains(["spot", "FARGATE_SPOT"], p.capacity)
      # EC2 agents per period (ecs pools only).
      max_agents = p.cluster == "ecs" ? ceil(p.max_runners / p.tasks_per_instance) : 0
      min_agents = p.cluster == "ecs" ? ceil(p.min_runners / p.tasks_per_instance) : 0
    })
  }

  minutes_of = {
    start = tonumber(split(":", var.office_hours_start)[0]) * 60 + tonumber(split(":", var.office_hours_start)[1])
    end   = tonumber(split(":", var.office_hours_end)[0]) * 60 + tonumber(split(":", var.office_hours_end)[1])
  }

  # Morning: agents first, then runners. Evening (and so the weekend): runners first, then agents.
  schedule_minutes = {
    agents_out  = local.minutes_of.start - var.agents_lead_minutes
    runners_out = local.minutes_of.start
    runners_in  = local.minutes_of.end
    agents_in   = local.minutes_of.end + var.agents_lag_minutes
  }

  schedules = {
    for event, m in local.schedule_minutes : event => {
      minute_of_day = m
      local_time    = format("%02d:%02d", floor(m / 60), m % 60)
      # aws_autoscaling_schedule.recurrence (Unix cron, days 1-5 = Monday to Friday).
      asg_recurrence = format("%d %d * * 1-5", m % 60, floor(m / 60))
      # aws_appautoscaling_scheduled_action.schedule.
      cron = format("cron(%d %d ? * MON-FRI *)", m % 60, floor(m / 60))
    }
  }
}

check "schedule_fits_one_day" {
  assert {
    condition = (local.schedule_minutes.agents_out >= 0 && local.schedule_minutes.runners_out < local.schedule_minutes.runners_in
    && local.schedule_minutes.agents_in < 1440)
    error_message = "The office hours schedule must fit in one day: office_hours_start - agents_lead_minutes >= 00:00, start < end, office_hours_end + agents_lag_minutes < 24:00."
  }
}
