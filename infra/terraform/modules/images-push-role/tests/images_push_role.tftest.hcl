# The push role with the mocked provider: what the trust and the permissions say, and the inputs it
# refuses. The IAM evaluation of the same documents, rendered by stack 01, is the policy matrix
# (infra/terraform/test/push-role-matrix.test.ts).

mock_provider "aws" {
  source = "./tests/mocks"
}

override_resource {
  target = aws_iam_openid_connect_provider.github
  values = { arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }
}

override_resource {
  target = aws_iam_role.this
  values = { arn = "arn:aws:iam::123456789012:role/dazn-runners-images-push", id = "dazn-runners-images-push" }
}

variables {
  github_repository = "dazn/cache"
  repository_names  = ["dazn-runners/runner", "dazn-runners/dind"]
}

run "trusts_one_branch_of_one_repository" {
  command = apply

  assert {
    condition     = jsondecode(aws_iam_role.this.assume_role_policy).Statement[0].Condition == { StringEquals = { "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com", "token.actions.githubusercontent.com:sub" = "repo:dazn/cache:ref:refs/heads/main" } }
    error_message = "The trust requires aud = sts.amazonaws.com and sub = the main branch of dazn/cache, both StringEquals (no wildcard)."
  }
  assert {
    condition     = length(jsondecode(aws_iam_role.this.assume_role_policy).Statement) == 1 && jsondecode(aws_iam_role.this.assume_role_policy).Statement[0].Principal == { Federated = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }
    error_message = "One statement, trusting the GitHub OIDC provider the module created."
  }
  assert {
    condition     = aws_iam_openid_connect_provider.github[0].url == "https://token.actions.githubusercontent.com" && aws_iam_openid_connect_provider.github[0].client_id_list == toset(["sts.amazonaws.com"])
    error_message = "The provider is GitHub's issuer with the audience sts.amazonaws.com."
  }
  assert {
    condition     = aws_iam_role.this.name == "dazn-runners-images-push" && aws_iam_role.this.max_session_duration == 7200
    error_message = "The role is <name_prefix>-images-push, with sessions long enough for images.yml's 90-minute job."
  }
}

run "pushes_to_the_given_repositories_only" {
  command = apply

  assert {
    condition     = [for s in jsondecode(aws_iam_role_policy.this.policy).Statement : s.Resource] == ["*", ["arn:aws:ecr:eu-central-1:123456789012:repository/dazn-runners/runner", "arn:aws:ecr:eu-central-1:123456789012:repository/dazn-runners/dind"]]
    error_message = "GetAuthorizationToken on *, the push actions on exactly the given repositories."
  }
  assert {
    condition     = jsondecode(aws_iam_role_policy.this.policy).Statement[0].Action == "ecr:GetAuthorizationToken"
    error_message = "The statement on * allows GetAuthorizationToken and nothing else."
  }
  assert {
    condition     = alltrue([for a in jsondecode(aws_iam_role_policy.this.policy).Statement[1].Action : startswith(a, "ecr:") && !strcontains(a, "*") && !strcontains(a, "Delete")])
    error_message = "The repository statement names ECR actions one by one, none that deletes."
  }
}

run "uses_an_existing_provider" {
  command = apply

  variables {
    create_oidc_provider = false
    oidc_provider_arn    = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
    branch               = "release"
  }

  assert {
    condition     = length(aws_iam_openid_connect_provider.github) == 0 && output.oidc_provider_arn == "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
    error_message = "With create_oidc_provider = false no second provider is created; the role trusts the given one."
  }
  assert {
    condition     = output.subject == "repo:dazn/cache:ref:refs/heads/release"
    error_message = "The subject follows branch."
  }
}

run "rejects_a_missing_provider_arn" {
  command = plan
  variables {
    create_oidc_provider = false
  }
  expect_failures = [var.oidc_provider_arn]
}

run "rejects_a_repository_pattern" {
  command = plan
  variables {
    github_repository = "dazn/*"
  }
  expect_failures = [var.github_repository]
}

run "rejects_a_repository_without_owner" {
  command = plan
  variables {
    github_repository = "cache"
  }
  expect_failures = [var.github_repository]
}

run "rejects_a_branch_pattern" {
  command = plan
  variables {
    branch = "*"
  }
  expect_failures = [var.branch]
}

run "rejects_a_wildcard_ecr_repository" {
  command = plan
  variables {
    repository_names = ["dazn-runners/*"]
  }
  expect_failures = [var.repository_names]
}

run "rejects_no_repositories" {
  command = plan
  variables {
    repository_names = []
  }
  expect_failures = [var.repository_names]
}
