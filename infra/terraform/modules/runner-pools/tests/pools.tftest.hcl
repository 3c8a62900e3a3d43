# The pool map: defaults, derived values, the office hours, and every validation message.

run "default_map_holds_the_seven_pools_of_the_spec" {
  command = plan

  assert {
    condition     = length(output.pools) == 7 && length(output.ecs_pools) == 4 && length(output.fargate_pools) == 3
    error_message = "Expected 7 pools: 4 ECS on EC2 and 3 Fargate."
  }
  assert {
    condition = toset([for p in output.pools : "${p.cluster}/${p.arch}/${p.capacity}"]) == toset([
      "ecs/x86_64/spot", "ecs/x86_64/on-demand", "ecs/arm64/spot", "ecs/arm64/on-demand",
      "fargate/x86_64/FARGATE_SPOT", "fargate/x86_64/FARGATE", "fargate/arm64/FARGATE",
    ])
    error_message = "The default pools must be the spec's seven (cluster/arch/capacity)."
  }
  assert {
    condition     = output.totals.max_runners == 100 && output.totals.warm_office_hours == 20 && output.totals.warm_other_hours == 0
    error_message = "Default totals must be 100 runners at most, 20 kept warm in office hours and none outside."
  }
  assert {
    condition     = output.pools["ecs-x64-spot"].instance_type == "t3.2xlarge" && output.pools["ecs-arm64-ondemand"].instance_type == "t4g.2xlarge" && output.pools["fargate-arm64"].instance_type == null
    error_message = "ECS pools default to t3.2xlarge (x86_64) / t4g.2xlarge (arm64); Fargate pools have no instance type."
  }
  assert {
    condition     = alltrue([for p in output.pools : p.cpu == 4096 && p.memory == 16384])
    error_message = "Runner tasks default to 4 vCPU and 16 GiB."
  }
  assert {
    condition     = output.pools["ecs-x64-spot"].max_agents == 15 && output.pools["fargate-x64-spot"].max_agents == 0
    error_message = "Agents at most = ceil(max_runners / 2 tasks per instance), ecs pools only."
  }
  assert {
    condition     = output.pools["ecs-arm64-spot"].runner_group == "ecs" && output.pools["fargate-arm64"].runner_group == "fargate"
    error_message = "Runner group defaults to the cluster name."
  }
  assert {
    condition     = output.pools["fargate-x64-spot"].labels == tolist(["fargate-x64-spot", "x86_64", "fargate-spot", "fargate"])
    error_message = "Labels name pool, architecture, capacity and cluster."
  }
  assert {
    condition     = output.pools["ecs-arm64-spot"].github_labels == tolist(["self-hosted", "linux", "ARM64", "ecs-arm64-spot", "arm64", "spot", "ecs"]) && output.pools["fargate-x64-spot"].github_labels[2] == "X64"
    error_message = "GitHub labels start with self-hosted, linux and GitHub's architecture name."
  }
  assert {
    condition = ({ for k, p in output.pools : k => p.fallback_pool if p.fallback_pool != null } == {
      ecs-x64-spot     = "ecs-x64-ondemand"
      ecs-arm64-spot   = "ecs-arm64-ondemand"
      fargate-x64-spot = "fargate-x64-ondemand"
    })
    error_message = "Spot pools fall back to the on-demand pool of their cluster and architecture; the others have no fallback."
  }
  assert {
    condition     = output.office_hours == "Mon-Fri 08:00-19:00" && output.time_zone == "Europe/Berlin"
    error_message = "Office hours are rendered as the scaler reads them."
  }
}

run "office_hours_follow_the_variables" {
  command = plan

  variables {
    time_zone          = "America/New_York"
    office_hours_start = "07:30"
    office_hours_end   = "18:00"
  }

  assert {
    condition     = output.office_hours == "Mon-Fri 07:30-18:00" && output.time_zone == "America/New_York"
    error_message = "OFFICE_HOURS and the time zone follow the variables."
  }
}

run "adding_a_pool_is_adding_an_entry" {
  command = plan

  variables {
    pools = {
      big-arm = { cluster = "ecs", arch = "arm64", capacity = "spot", instance_type = "c7g.4xlarge", tasks_per_instance = 4, max_runners = 9, extra_labels = ["big"] }
    }
  }

  assert {
    condition     = output.pools["big-arm"].max_agents == 3 && output.pools["big-arm"].warm == { office_hours = 0, other_hours = 0 } && contains(output.pools["big-arm"].labels, "big")
    error_message = "A new entry gets its agents and labels."
  }
}

run "rejects_an_unknown_arch" {
  command = plan
  variables {
    pools = { p = { cluster = "ecs", arch = "amd64", capacity = "spot", max_runners = 1 } }
  }
  expect_failures = [var.pools]
}

run "rejects_a_capacity_of_the_other_cluster_kind" {
  command = plan
  variables {
    pools = { p1 = { cluster = "fargate", arch = "x86_64", capacity = "spot", max_runners = 1 } }
  }
  expect_failures = [var.pools]
}

run "rejects_fargate_spot_on_arm64" {
  command = plan
  variables {
    pools = { p1 = { cluster = "fargate", arch = "arm64", capacity = "FARGATE_SPOT", max_runners = 1 } }
  }
  expect_failures = [var.pools]
}

run "rejects_an_x86_instance_type_for_arm64" {
  command = plan
  variables {
    pools = { p1 = { cluster = "ecs", arch = "arm64", capacity = "spot", instance_type = "t3.2xlarge", max_runners = 1 } }
  }
  expect_failures = [var.pools]
}

run "rejects_memory_outside_fargate_sizes" {
  command = plan
  variables {
    pools = { p1 = { cluster = "fargate", arch = "x86_64", capacity = "FARGATE", cpu = 4096, memory = 4096, max_runners = 1 } }
  }
  expect_failures = [var.pools]
}

run "rejects_a_warm_minimum_above_the_maximum" {
  command = plan
  variables {
    pools = { p1 = { cluster = "ecs", arch = "x86_64", capacity = "on-demand", warm = { other_hours = 5 }, max_runners = 2 } }
  }
  expect_failures = [var.pools]
}

run "rejects_a_fallback_pool_that_does_not_exist" {
  command = plan
  variables {
    pools = { p1 = { cluster = "ecs", arch = "x86_64", capacity = "spot", max_runners = 2, fallback_pool = "p2" } }
  }
  expect_failures = [var.pools]
}

run "rejects_a_fallback_pool_of_another_architecture" {
  command = plan
  variables {
    pools = {
      p1 = { cluster = "ecs", arch = "x86_64", capacity = "spot", max_runners = 2, fallback_pool = "p2" }
      p2 = { cluster = "ecs", arch = "arm64", capacity = "on-demand", max_runners = 2 }
    }
  }
  expect_failures = [var.pools]
}

run "accepts_a_fallback_pool_of_the_same_architecture_in_another_cluster" {
  command = plan
  variables {
    pools = {
      p1 = { cluster = "ecs", arch = "x86_64", capacity = "spot", max_runners = 2, fallback_pool = "p2" }
      p2 = { cluster = "fargate", arch = "x86_64", capacity = "FARGATE", max_runners = 2 }
    }
  }
  assert {
    condition     = output.pools.p1.fallback_pool == "p2"
    error_message = "A fallback of the same architecture is kept."
  }
}

run "rejects_office_hours_that_end_before_they_start" {
  command = plan
  variables {
    office_hours_start = "18:00"
    office_hours_end   = "08:00"
  }
  expect_failures = [var.office_hours_end]
}

run "rejects_a_bad_pool_name" {
  command = plan
  variables {
    pools = { "Bad_Name" = { cluster = "ecs", arch = "x86_64", capacity = "on-demand", max_runners = 2 } }
  }
  expect_failures = [var.pools]
}

run "rejects_a_malformed_office_hours_time" {
  command = plan
  variables {
    office_hours_start = "8am"
  }
  expect_failures = [var.office_hours_start]
}
