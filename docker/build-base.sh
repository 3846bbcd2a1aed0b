#!/usr/bin/env bash
# The base image keras-roundtrip-base:bookworm, made offline from Debian bookworm (no image registry needed):
# debootstrap minbase → tar → podman import. Idempotent: does nothing when the image exists.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
podman="$here/podman.sh"
image="${BASE_IMAGE:-keras-roundtrip-base:bookworm}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

if "$podman" image exists "$image"; then
  echo "build-base: $image exists"
  exit 0
fi
for tool in podman debootstrap runc; do
  command -v "$tool" >/dev/null || { echo "build-base: $tool is missing: apt-get install -y podman debootstrap runc" >&2; exit 3; }
done
rootfs="$(mktemp -d "${TMPDIR:-/tmp}/keras-roundtrip-base.XXXXXX")"
trap 'rm -rf "$rootfs"' EXIT
started=$(date +%s)
# python3 in the base: the image build then needs no Debian mirror, only the wheelhouse.
debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates bookworm "$rootfs" "$mirror" >"$rootfs.log" 2>&1 \
  || { echo "build-base: debootstrap failed; log: $rootfs.log" >&2; exit 3; }
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
tar -C "$rootfs" -c . | "$podman" import --quiet --change 'CMD ["/bin/bash"]' - "$image" >/dev/null
rm -f "$rootfs.log"
echo "build-base: $image built in $(( $(date +%s) - started )) s"
