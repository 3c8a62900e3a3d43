# Stack 01 with the mocked provider: the push role gets the repositories the stack creates from
# infra/images/images.json. The run "render" is what the push role's policy matrix evaluates
# (infra/terraform/test/push-role-matrix.test.ts): test.sh reads its state from
# `terraform test -json -verbose`.

mock_provider "aws" {
  source = "../../modules/images-push-role/tests/mocks"
}

override_resource {
  target = module.images_push_role[0].aws_iam_openid_connect_provider.github
  values = { arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com" }
}

override_resource {
  target = module.images_push_role[0].aws_iam_role.this
  values = { arn = "arn:aws:iam::123456789012:role/dazn-runners-images-push", id = "dazn-runners-images-push" }
}

variables {
  github_repository = "dazn/cache"
}

run "render" {
  command = apply

  assert {
    condition     = sort(jsondecode(module.images_push_role[0].permission_policy).Statement[1].Resource) == sort([for name in module.images.repositories : "arn:aws:ecr:eu-central-1:123456789012:repository/${module.images.repository_prefix}/${name}"])
    error_message = "The push role reaches exactly the repositories of images.json."
  }
  assert {
    condition     = sort(values(module.ecr.repository_names)) == sort([for name in module.images.repositories : "${module.images.repository_prefix}/${name}"])
    error_message = "The repositories the role is given are the ones the stack creates."
  }
  assert {
    condition     = output.images_push_role_arn == "arn:aws:iam::123456789012:role/dazn-runners-images-push" && output.github_oidc_provider_arn == "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
    error_message = "The stack outputs the role's ARN (the secret IMAGES_PUSH_ROLE_ARN) and the provider's."
  }
  assert {
    condition     = module.images_push_role[0].subject == "repo:dazn/cache:ref:refs/heads/main"
    error_message = "The role trusts the main branch of github_repository."
  }
}

run "no_role_when_switched_off" {
  command = plan

  variables {
    images_push_role  = false
    github_repository = null
  }

  assert {
    condition     = length(module.images_push_role) == 0 && output.images_push_role_arn == null && output.github_oidc_provider_arn == null
    error_message = "images_push_role = false creates no role and no provider."
  }
}

run "existing_provider" {
  command = plan

  variables {
    create_github_oidc_provider = false
    github_oidc_provider_arn    = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
  }

  assert {
    condition     = output.github_oidc_provider_arn == "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
    error_message = "With create_github_oidc_provider = false the role trusts the given provider (modules/images-push-role's test: and creates none)."
  }
}

run "rejects_a_role_without_repository" {
  command = plan

  variables {
    github_repository = null
  }

  expect_failures = [var.github_repository]
}
