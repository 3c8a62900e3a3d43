module "efs" {
  source = "../../modules/runtime-efs"

  name_prefix = var.name_prefix
  vpc_id      = var.vpc_id
  subnet_ids  = var.subnet_ids

  emulator_unsupported_off = var.emulator_unsupported_off
  runner_uid               = var.runner_uid
  tags                     = var.tags
}

module "outputs" {
  source = "../../modules/stack-outputs"

  ssm_prefix = var.ssm_prefix
  stack      = "03-runtime-efs"
  values = {
    vpc_id                   = var.vpc_id
    subnet_ids               = var.subnet_ids
    file_systems             = module.efs.file_systems
    client_security_group_id = module.efs.client_security_group_id
  }
  tags = var.tags
}
