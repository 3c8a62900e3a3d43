locals {
  # The broker's bundle (bash broker/build.sh && bash broker/package.sh), unless given.
  broker_zip = coalesce(var.broker_zip, "${path.root}/../../../../broker/dist/broker.zip")
}

module "bucket" {
  source = "../../modules/cache-bucket"

  bucket_name           = var.bucket_name
  prefix                = var.prefix
  entry_expiration_days = var.entry_expiration_days
  force_destroy         = var.force_destroy
  tags                  = var.tags
}

# Isolated mode: the credential broker and the cache role whose session tags name the job's
# repository and scopes (modules/cache-broker/README.md, "What AWS enforces").
module "broker" {
  source = "../../modules/cache-broker"

  name_prefix           = var.name_prefix
  allowed_owners        = coalesce(var.allowed_owners, [var.github_organization])
  bucket_arn            = module.bucket.bucket_arn
  prefix                = module.bucket.prefix
  broker_zip            = local.broker_zip
  audience              = var.broker_audience
  oidc_issuer           = var.oidc_issuer
  github_api_url        = var.github_api_url
  github_app_id         = var.github_app_id
  github_app_secret_arn = var.github_app_secret_arn
  default_branch_names  = var.default_branch_names
  session_seconds       = var.broker_session_seconds
  log_retention_days    = var.log_retention_days
  tags                  = var.tags
}

# The OIDC roles of before (any ref / default branch), only when asked for: they do NOT isolate
# repositories from each other (modules/cache-roles/README.md, "What these roles do not enforce").
module "roles" {
  source = "../../modules/cache-roles"
  count  = var.legacy_oidc_roles ? 1 : 0

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
    # The cache action's settings, as the runner images pass them to jobs. With the broker URL set the
    # action uses isolated mode; the role ARNs are there only for workflows that still name them.
    action_environment = merge(
      {
        DAZN_CACHE_BUCKET          = module.bucket.bucket_name
        DAZN_CACHE_REGION          = var.region
        DAZN_CACHE_PREFIX          = module.bucket.prefix
        DAZN_CACHE_BROKER_URL      = module.broker.broker_url
        DAZN_CACHE_BROKER_AUDIENCE = module.broker.audience
      },
      var.legacy_oidc_roles ? {
        DAZN_CACHE_ROLE_ARN                = module.roles[0].cache_role_arn
        DAZN_CACHE_DEFAULT_BRANCH_ROLE_ARN = module.roles[0].default_branch_role_arn
      } : {},
    )
  }
  tags = var.tags
}

# Roles for the dazn-cache command and the prune/ step (README: "Managing the cache").
module "management" {
  source = "../../modules/cache-management"

  name_prefix       = var.name_prefix
  bucket_arn        = module.bucket.bucket_arn
  prefix            = module.bucket.prefix
  oidc_provider_arn = try(module.roles[0].oidc_provider_arn, var.oidc_provider_arn)
  reader_subjects   = var.cache_reader_subjects
  pruner_subjects   = var.cache_pruner_subjects
  reader_principals = var.cache_reader_principals
  pruner_principals = var.cache_pruner_principals
  tags              = var.tags
}
