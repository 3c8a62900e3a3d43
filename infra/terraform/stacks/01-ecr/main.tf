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
