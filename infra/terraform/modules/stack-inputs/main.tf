# Reads outputs published by another stack's stack-outputs module.

data "aws_ssm_parameter" "output" {
  for_each = var.names
  name     = "${var.ssm_prefix}/${var.stack}/${each.key}"
}
