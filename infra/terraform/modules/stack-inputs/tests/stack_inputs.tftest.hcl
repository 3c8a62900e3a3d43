mock_provider "aws" {
  mock_data "aws_ssm_parameter" {
    defaults = { value = "{\"cache\":\"arn:aws:iam::123456789012:role/c\"}" }
  }
}

variables {
  stack = "02-cache"
  names = ["roles"]
}

run "reads_and_decodes_published_outputs" {
  command = plan

  assert {
    condition     = data.aws_ssm_parameter.output["roles"].name == "/dazn-runners/02-cache/roles"
    error_message = "Reads <ssm_prefix>/<stack>/<name>."
  }
  assert {
    condition     = output.values.roles.cache == "arn:aws:iam::123456789012:role/c"
    error_message = "Values are JSON-decoded."
  }
}
