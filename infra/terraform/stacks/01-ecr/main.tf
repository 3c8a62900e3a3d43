module "ecr" {
  source = "../../modules/ecr"

  name_prefix  = var.name_prefix
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
