locals {
  kind  = "ecs"
  stack = "05-ecs-runners"
}
