mock_provider "aws" {}

variables {
  repositories = { runner = {}, dind = {}, log-router = {}, registry-mirror = {} }
}

run "creates_scanned_immutable_repositories_with_lifecycle_rules" {
  command = apply

  assert {
    condition     = toset(keys(aws_ecr_repository.this)) == toset(["runner", "dind", "log-router", "registry-mirror"])
    error_message = "One repository per image."
  }
  assert {
    condition     = alltrue([for r in aws_ecr_repository.this : r.image_scanning_configuration[0].scan_on_push && r.image_tag_mutability == "IMMUTABLE"])
    error_message = "Every repository scans on push and has immutable tags."
  }
  assert {
    condition     = aws_ecr_repository.this["dind"].name == "dazn-runners/dind"
    error_message = "Repository names are <name_prefix>/<image>."
  }
  assert {
    condition     = [for r in jsondecode(aws_ecr_lifecycle_policy.this["runner"].policy).rules : r.selection.tagStatus] == ["untagged", "any"]
    error_message = "Lifecycle expires untagged images, then keeps the newest tagged ones."
  }
}

run "rejects_an_invalid_repository_name" {
  command = plan
  variables {
    repositories = { "Runner" = {} }
  }
  expect_failures = [var.repositories]
}
