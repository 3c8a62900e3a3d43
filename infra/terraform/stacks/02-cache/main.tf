module "bucket" {
  source = "../../modules/cache-bucket"

  bucket_name           = var.bucket_name
  prefix                = var.prefix
  entry_expiration_days = var.entry_expiration_days
  force_destroy         = var.force_destroy
  tags                  = var.tags
}

module "roles" {
  source = "../../modules/cache-roles"

  name_prefix          = var.name_prefix
  github_organization  = var.github_organization
  subject_patterns     = var.subject_patterns
  default_branch_names = var.default_branch_names
  bucket_arn           = module.bucket.bucket_arn
  prefix               = module.bucket.prefix
  create_oidc_provider = var.create_oidc_provider
  oidc_provider_arn    = var.oidc_provider_arn
  tags                 = var.tags
}

module "outputs" {
  source = "../../modules/stack-outputs"

  ssm_prefix = var.ssm_prefix
  stack      = "02-cache"
  values = {
    # The cache action's settings, as the runner images pass them to jobs.
    action_environment = {
      DAZN_CACHE_BUCKET                  = module.bucket.bucket_name
      DAZN_CACHE_REGION                  = var.region
      DAZN_CACHE_PREFIX                  = module.bucket.prefix
      DAZN_CACHE_ROLE_ARN                = module.roles.cache_role_arn
      DAZN_CACHE_DEFAULT_BRANCH_ROLE_ARN = module.roles.default_branch_role_arn
    }
  }
  tags = var.tags
}

# Roles for the dazn-cache command and the prune/ step (README: "Managing the cache").
module "management" {
  source = "../../modules/cache-management"

  name_prefix       = var.name_prefix
  bucket_arn        = module.bucket.bucket_arn
  prefix            = module.bucket.prefix
  oidc_provider_arn = module.roles.oidc_provider_arn
  reader_subjects   = var.cache_reader_subjects
  pruner_subjects   = var.cache_pruner_subjects
  reader_principals = var.cache_reader_principals
  pruner_principals = var.cache_pruner_principals
  tags              = var.tags
}
