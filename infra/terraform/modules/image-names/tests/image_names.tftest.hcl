# No provider: the module only reads infra/images/images.json.

run "names_the_repositories_of_the_definition" {
  command = apply

  assert {
    condition     = output.repositories == toset(["runner", "dind", "log-router", "registry-mirror"]) && output.repository_prefix == "dazn-runners"
    error_message = "One repository per image of images.json, under its prefix."
  }
  assert {
    condition     = length(output.refs) == 0
    error_message = "No references without repository URLs and a tag."
  }
}

run "references_are_the_commit_tag_with_the_runner_targets" {
  command = apply
  variables {
    tag             = "0123456789ab"
    repository_urls = { for n in ["runner", "dind", "log-router", "registry-mirror"] : n => "123456789012.dkr.ecr.eu-central-1.amazonaws.com/dazn-runners/${n}" }
  }

  assert {
    condition = jsonencode(output.refs) == jsonencode({
      "runner-ecs"      = "123456789012.dkr.ecr.eu-central-1.amazonaws.com/dazn-runners/runner:0123456789ab-ecs"
      "runner-fargate"  = "123456789012.dkr.ecr.eu-central-1.amazonaws.com/dazn-runners/runner:0123456789ab-fargate"
      "dind"            = "123456789012.dkr.ecr.eu-central-1.amazonaws.com/dazn-runners/dind:0123456789ab"
      "log-router"      = "123456789012.dkr.ecr.eu-central-1.amazonaws.com/dazn-runners/log-router:0123456789ab"
      "registry-mirror" = "123456789012.dkr.ecr.eu-central-1.amazonaws.com/dazn-runners/registry-mirror:0123456789ab"
    })
    error_message = "References: <url>:<tag>, the runner's with -ecs and -fargate."
  }
}

run "refuses_a_moving_tag" {
  command = plan
  variables {
    tag = "latest"
  }
  expect_failures = [var.tag]
}
