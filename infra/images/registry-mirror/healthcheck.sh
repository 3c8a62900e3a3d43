#!/bin/sh
# Health check of the registry mirror (the container's HEALTHCHECK and the ECS task's): the
# registry answers /v2/ with 200 only while its S3 storage passes the storagedriver health check.
set -eu
port=${REGISTRY_MIRROR_PORT:-5000}
wget -q -O /dev/null "http://127.0.0.1:$port/v2/"
