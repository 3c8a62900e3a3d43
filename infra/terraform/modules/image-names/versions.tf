terraform {
  # 1.9+: a validation block may refer to other objects of the module (the definition's tag pattern).
  required_version = ">= 1.9"
}
