locals {
  kind  = "fargate"
  stack = "06-fargate-runners"
}
