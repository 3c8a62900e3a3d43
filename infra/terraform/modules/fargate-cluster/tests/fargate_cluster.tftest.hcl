mock_provider "aws" {}

variables {
  name = "runners-fargate"
}

run "cluster_offers_fargate_and_fargate_spot" {
  command = plan

  assert {
    condition     = aws_ecs_cluster_capacity_providers.this.capacity_providers == toset(["FARGATE", "FARGATE_SPOT"])
    error_message = "Both Fargate capacity providers are attached."
  }
  assert {
    condition     = one(aws_ecs_cluster.this.setting).value == "enabled"
    error_message = "Container Insights is on by default."
  }
}

run "rejects_an_unknown_default_capacity_provider" {
  command = plan
  variables {
    default_capacity_provider = "EC2"
  }
  expect_failures = [var.default_capacity_provider]
}
