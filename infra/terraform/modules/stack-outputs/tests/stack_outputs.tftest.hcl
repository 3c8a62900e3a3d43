mock_provider "aws" {}

variables {
  stack = "02-cache"
  values = {
    bucket_name = "dazn-cache"
    roles       = { cache = "arn:aws:iam::123456789012:role/c" }
    big         = [for i in range(500) : "item-${i}"]
  }
}

run "publishes_each_output_as_json_under_the_stack_path" {
  command = plan

  assert {
    condition     = aws_ssm_parameter.output["bucket_name"].name == "/dazn-runners/02-cache/bucket_name" && aws_ssm_parameter.output["bucket_name"].value == "\"dazn-cache\""
    error_message = "Outputs are JSON at <ssm_prefix>/<stack>/<name>."
  }
  assert {
    condition     = jsondecode(aws_ssm_parameter.output["roles"].value).cache == "arn:aws:iam::123456789012:role/c"
    error_message = "Objects round-trip through JSON."
  }
  assert {
    condition     = aws_ssm_parameter.output["bucket_name"].tier == "Standard" && aws_ssm_parameter.output["big"].tier == "Advanced"
    error_message = "Values beyond 4 KB use the Advanced tier."
  }
}

run "rejects_a_relative_prefix" {
  command = plan
  variables {
    ssm_prefix = "dazn-runners/"
  }
  expect_failures = [var.ssm_prefix]
}
