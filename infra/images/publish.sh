#!/usr/bin/env bash
# Builds and pushes the platform's images under the names and tags of images.json (the one
# definition; Terraform's modules/image-names reads the same file), for every platform it lists.
#
#   publish.sh [--dry-run | --no-push] [--only <name>] <registry> [<tag>]
#   publish.sh --refs <registry> <tag>
#
#   <registry>  the ECR registry host, <account>.dkr.ecr.<region>.amazonaws.com
#   <tag>       default: git rev-parse --short=12 HEAD (images.json's tag.pattern)
#   --dry-run   print the build commands, run nothing
#   --no-push   build every platform without pushing (the runner-update workflow's check)
#   --only      one image of images.json (runner, dind, log-router, registry-mirror)
#   --refs      print the references Terraform must pull, as one JSON object
#               ({"runner-ecs": "<registry>/<prefix>/runner:<tag>-ecs", ...}); test.sh compares it
#               with modules/image-names
#
# ECR's repositories are IMMUTABLE, so a tag that is already in its repository is skipped (a second
# push of it would fail with ImageTagAlreadyExistsException): re-running for the same commit is safe.
# Needs: jq; for a real run docker with a buildx builder that builds every platform (QEMU or native),
# logged in to the registry (aws ecr get-login-password | docker login --password-stdin).
set -Eeuo pipefail
here=$(cd "$(dirname "$0")" && pwd)
definition=${IMAGES_DEFINITION:-$here/images.json}

log() { printf '%s publish: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() {
  log "ERROR: $1"
  exit "${2:-1}"
}

mode=push only=""
while [ $# -gt 0 ]; do
  case $1 in
    --dry-run) mode=dry-run ;;
    --no-push) mode=build ;;
    --refs) mode=refs ;;
    --only)
      only=${2:?--only needs an image name}
      shift
      ;;
    -*) die "unknown option $1 (see the header of $0)" 64 ;;
    *) break ;;
  esac
  shift
done
registry=${1:?usage: publish.sh [--dry-run|--no-push|--refs] [--only <name>] <registry> [<tag>]}
tag=${2:-}
if [ -z "$tag" ]; then
  [ "$mode" != refs ] || die "--refs needs the tag" 64
  tag=$(git -C "$here" rev-parse --short=12 HEAD) || die "no tag given and $here is not in a git checkout"
fi

command -v jq >/dev/null || die "jq is not installed"
jq -e '.images and .repository_prefix and .platforms and .tag.pattern' "$definition" >/dev/null ||
  die "$definition lacks images, repository_prefix, platforms or tag.pattern"
pattern=$(jq -r .tag.pattern "$definition")
[[ $tag =~ $pattern ]] || die "tag '$tag' does not match $pattern ($definition: $(jq -r .tag.description "$definition"))" 64
[[ $registry =~ ^[a-z0-9.-]+(:[0-9]+)?$ ]] || die "registry '$registry' is not a registry host (<account>.dkr.ecr.<region>.amazonaws.com)" 64
if [ -n "$only" ]; then
  jq -e --arg n "$only" '.images[$n]' "$definition" >/dev/null || die "no image '$only' in $definition" 64
fi

# One line per reference: <key> <image name> <folder> <build target or -> <reference>.
# The key is what Terraform calls it: <name>, or <name>-<target> for images with targets.
references() {
  jq -r --arg registry "$registry" --arg tag "$tag" '
    .repository_prefix as $prefix
    | .images | to_entries[]
    | .key as $name | .value.folder as $folder
    | ("\($registry)/\($prefix)/\($name):\($tag)") as $base
    | if .value.targets then
        (.value.targets | to_entries[] | "\($name)-\(.key) \($name) \($folder) \(.key) \($base)\(.value)")
      else
        "\($name) \($name) \($folder) - \($base)"
      end' "$definition"
}

if [ "$mode" = refs ]; then
  references | jq -R -s 'split("\n") | map(select(length > 0) | split(" ")) | map({(.[0]): .[4]}) | add'
  exit 0
fi

platforms=$(jq -r '.platforms | join(",")' "$definition")
built=0 skipped=0
while read -r key name folder target ref; do
  [ -z "$only" ] || [ "$only" = "$name" ] || continue
  [ -f "$here/$folder/Dockerfile" ] || die "images.json names folder '$folder' for $name, but $here/$folder/Dockerfile does not exist"
  # No provenance attestation: it is an untagged manifest in the index, which the repositories'
  # lifecycle rule for untagged images would expire under the tagged one.
  command=(docker buildx build --platform "$platforms" --provenance=false -t "$ref")
  [ "$target" = - ] || command+=(--target "$target")
  case $mode in
    push)
      # Bounded: a registry that does not answer must not hold the workflow.
      if timeout 60 docker buildx imagetools inspect "$ref" >/dev/null 2>&1; then
        log "$key: $ref exists (IMMUTABLE repository): skipped"
        skipped=$((skipped + 1))
        continue
      fi
      command+=(--push)
      ;;
    dry-run)
      printf '%s %s\n' "$key" "${command[*]}"
      continue
      ;;
  esac
  log "$key: building $ref for $platforms"
  "$here/build.sh" "$folder" "${command[@]}" || die "$key: the build of $ref failed"
  built=$((built + 1))
done < <(references)
[ "$mode" = dry-run ] || log "done: $built built$([ "$mode" = push ] && echo ' and pushed'), $skipped already in the registry, tag $tag"
