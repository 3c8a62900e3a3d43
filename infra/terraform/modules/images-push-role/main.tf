# The role .github/workflows/images.yml assumes (secret IMAGES_PUSH_ROLE_ARN) to push the platform's
# images: trusted by GitHub's OIDC provider for one repository's one branch, allowed to log in to ECR
# and to push to the given repositories, nothing else.
locals {
  issuer   = "token.actions.githubusercontent.com"
  audience = "sts.amazonaws.com"
  # What GitHub puts in `sub` for a job on a branch that names no environment (push, schedule and
  # workflow_dispatch on that branch); a pull_request job gets repo:<owner>/<repo>:pull_request, a
  # job naming an environment repo:<owner>/<repo>:environment:<name>, a tag refs/tags/<tag>.
  subject = "repo:${var.github_repository}:ref:refs/heads/${var.branch}"

  oidc_provider_arn = var.create_oidc_provider ? aws_iam_openid_connect_provider.github[0].arn : var.oidc_provider_arn

  # ARNs from the names (the repositories' own arn attributes are unknown to a mocked provider, and
  # these are what ECR names them: test.sh compares them with the repositories moto created).
  repository_arns = [
    for name in var.repository_names :
    "arn:${data.aws_partition.current.partition}:ecr:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:repository/${name}"
  ]

  trust_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "ImagesWorkflowOnOneBranch"
      Effect    = "Allow"
      Principal = { Federated = local.oidc_provider_arn }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = {
        StringEquals = {
          "${local.issuer}:aud" = local.audience
          "${local.issuer}:sub" = local.subject
        }
      }
    }]
  })

  # AWS's "IAM permissions for pushing an image to an Amazon ECR private repository": the layer
  # upload calls, PutImage, and BatchGetImage (publish.sh's `docker buildx imagetools inspect`, which
  # skips a tag already pushed, reads the manifest; buildx checks manifests before pushing the index).
  push_actions = [
    "ecr:BatchCheckLayerAvailability",
    "ecr:InitiateLayerUpload",
    "ecr:UploadLayerPart",
    "ecr:CompleteLayerUpload",
    "ecr:PutImage",
    "ecr:BatchGetImage",
  ]

  permission_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        # GetAuthorizationToken has no resource type: "*" is the only resource it accepts.
        Sid      = "LogInToTheRegistry"
        Effect   = "Allow"
        Action   = "ecr:GetAuthorizationToken"
        Resource = "*"
      },
      {
        Sid      = "PushToTheImageRepositories"
        Effect   = "Allow"
        Action   = local.push_actions
        Resource = local.repository_arns
      },
    ]
  })
}

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

resource "aws_iam_openid_connect_provider" "github" {
  count = var.create_oidc_provider ? 1 : 0

  url            = "https://${local.issuer}"
  client_id_list = [local.audience]
  # IAM no longer checks thumbprints for this issuer (it trusts its certificate authority); the API
  # still requires one.
  thumbprint_list = ["6938fd4d98bab03faadb97b34396831e3780aea1"]
  tags            = var.tags
}

resource "aws_iam_role" "this" {
  name                 = "${var.name_prefix}-images-push"
  description          = "images.yml of ${var.github_repository} on ${var.branch}: pushes the platform images to ECR"
  assume_role_policy   = local.trust_policy
  max_session_duration = var.max_session_duration
  tags                 = merge(var.tags, { Role = "images-push" })
}

resource "aws_iam_role_policy" "this" {
  name   = "ecr-push"
  role   = aws_iam_role.this.id
  policy = local.permission_policy
}
