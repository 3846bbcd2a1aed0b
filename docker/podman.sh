#!/usr/bin/env bash
# podman with our containers.conf and the runc runtime; the container runner and the build scripts use it.
set -euo pipefail
export CONTAINERS_CONF="${CONTAINERS_CONF:-$(cd "$(dirname "$0")" && pwd)/containers.conf}"
exec podman "$@"
