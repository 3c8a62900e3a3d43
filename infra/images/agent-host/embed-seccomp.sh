#!/usr/bin/env bash
# Writes agent-host/seccomp.json into the user data template as gzip+base64 (the line
# `seccomp_profile_gzip_base64='…'`): EC2 refuses user data over 16 KB, and the profile alone is
# about 17 KB as written. Run it after every change of seccomp.json; user-data.bats fails while the
# template's copy differs from the file.
set -Eeuo pipefail
here=$(cd "$(dirname "$0")" && pwd)
profile=$here/seccomp.json
template=$here/user-data.sh.tftpl
jq -e '.defaultAction == "SCMP_ACT_ERRNO" and (.syscalls | length > 0)' "$profile" >/dev/null ||
  { echo "embed-seccomp.sh: $profile is not a seccomp profile that refuses by default" >&2; exit 1; }
# -n: no file name or time in the gzip header, so the same profile gives the same line
encoded=$(jq -c . "$profile" | gzip -9n | base64 -w0)
grep -q "^seccomp_profile_gzip_base64='[A-Za-z0-9+/=]*'$" "$template" ||
  { echo "embed-seccomp.sh: $template has no seccomp_profile_gzip_base64='…' line to replace" >&2; exit 1; }
sed -i "s|^seccomp_profile_gzip_base64='[A-Za-z0-9+/=]*'$|seccomp_profile_gzip_base64='$encoded'|" "$template"
echo "embed-seccomp.sh: $template now holds $profile (${#encoded} bytes encoded)"
