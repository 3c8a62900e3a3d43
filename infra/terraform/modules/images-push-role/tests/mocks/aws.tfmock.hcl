# The account and region the push role's tests (this module's and stack 01-ecr's) run in.
mock_data "aws_caller_identity" {
  defaults = { account_id = "123456789012" }
}

mock_data "aws_region" {
  defaults = { name = "eu-central-1" }
}

mock_data "aws_partition" {
  defaults = { partition = "aws" }
}
