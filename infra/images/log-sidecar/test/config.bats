#!/usr/bin/env bats
# The log sidecar's configuration agrees with the dind daemon that sends to it. (fluent-bit itself
# is not installable on these machines: Debian 12 does not package it and no registry but npm and
# Debian's is reachable, so the configuration is checked, not run.)

here=$(cd "$(dirname "$BATS_TEST_FILENAME")" && pwd)

# not <command...>: succeeds when the command fails (a bare `! command` never fails a bats test)
not() { if "$@"; then return 1; fi; }
conf=$here/../fluent-bit.conf

value() { # <section> <key>: the key's value in the first such section
  awk -v section="[$1]" -v key="$2" '
    /^\[/ { inside = ($1 == section) }
    inside && $1 == key { $1 = ""; sub(/^ +/, ""); print; exit }' "$conf"
}

@test "the syslog input listens where the dind entrypoint sends by default (udp://127.0.0.1:5140)" {
  default=$(grep -o 'DIND_SYSLOG_ADDRESS:-[^}]*' "$here/../../dind/entrypoint.sh" | head -1)
  [ "$default" = "DIND_SYSLOG_ADDRESS:-udp://127.0.0.1:5140" ]
  [ "$(value INPUT Name)" = syslog ]
  [ "$(value INPUT Mode)" = udp ]
  [ "$(value INPUT Listen)" = 127.0.0.1 ]
  [ "$(value INPUT Port)" = "\${SYSLOG_PORT}" ]
  grep -q 'SYSLOG_PORT=5140' "$here/../Dockerfile"
}

@test "the input parses the format dind sends (rfc5424) with a parser fluent-bit ships" {
  grep -q -- '--log-opt syslog-format=rfc5424micro' "$here/../../dind/entrypoint.sh"
  [ "$(value INPUT Parser)" = syslog-rfc5424 ]
}

@test "every output matches the input's tag and names only settings from the environment" {
  for output in "$here"/../outputs/*.conf; do
    grep -qE '^ +Match +dind\.\*$' "$output"
    not grep -q 'REPLACE_ME' < <(grep -vE '^ *#' "$output")
  done
  grep -q '^@INCLUDE output.conf$' "$conf"
  grep -q 'ARG LOG_OUTPUT=cloudwatch' "$here/../Dockerfile"
  grep -qE '^ +Name +cloudwatch_logs$' "$here/../outputs/cloudwatch.conf"
}
