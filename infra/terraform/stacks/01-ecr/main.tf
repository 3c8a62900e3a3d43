# The repository names come from infra/images/images.json, which publish.sh pushes to.
module "images" {
  source = "../../modules/image-names"
}

module "ecr" {
  source = "../../modules/ecr"

  name_prefix  = module.images.repository_prefix
  repositories = { for name in module.images.repositories : name => {} }
  force_delete = var.force_delete
  tags         = var.tags
}

module "outputs" {
  source = "../../modules/stack-outputs"

  ssm_prefix = var.ssm_prefix
  stack      = "01-ecr"
  values = {
    repository_urls = module.ecr.repository_urls
    repository_arns = module.ecr.repository_arns
  }
  tags = var.tags
}

# The role .github/workflows/images.yml assumes (secret IMAGES_PUSH_ROLE_ARN = output
# images_push_role_arn): this repository's main branch, push to the repositories above only.
module "images_push_role" {
  source = "../../modules/images-push-role"
  count  = var.images_push_role ? 1 : 0

  name_prefix          = var.name_prefix
  github_repository    = var.github_repository
  repository_names     = [for name in sort(tolist(module.images.repositories)) : module.ecr.repository_names[name]]
  create_oidc_provider = var.create_github_oidc_provider
  oidc_provider_arn    = var.github_oidc_provider_arn
  tags                 = var.tags
}
