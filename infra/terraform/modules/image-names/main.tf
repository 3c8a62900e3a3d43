# The image names and tags of infra/images/images.json, the one definition that publish.sh pushes
# from: Terraform never spells a repository name or a tag suffix itself.
locals {
  definition = jsondecode(file(coalesce(var.definition_path, "${path.module}/../../../images/images.json")))

  # <name>, or <name>-<target> for an image built in several targets (the runner's ecs and fargate),
  # exactly as publish.sh --refs names them.
  suffixes = merge([for name, image in local.definition.images :
    try(image.targets, null) == null
    ? { (name) = { name = name, suffix = "" } }
    : { for target, suffix in image.targets : "${name}-${target}" => { name = name, suffix = suffix } }
  ]...)

  refs = var.tag == null || length(var.repository_urls) == 0 ? {} : {
    for key, s in local.suffixes : key => "${var.repository_urls[s.name]}:${var.tag}${s.suffix}"
  }
}
