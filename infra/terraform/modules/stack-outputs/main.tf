# Publishes a stack's outputs as SSM parameters, the one way stacks read each other (stack-inputs module).

resource "aws_ssm_parameter" "output" {
  for_each = toset(keys(var.values))

  name        = "${var.ssm_prefix}/${var.stack}/${each.key}"
  description = "Output ${each.key} of stack ${var.stack} (JSON)"
  type        = "String"
  value       = jsonencode(var.values[each.key])
  # 4 KB is the Standard tier's limit.
  tier = length(jsonencode(var.values[each.key])) > 4096 ? "Advanced" : "Standard"
  tags = merge(var.tags, { Stack = var.stack })
}
