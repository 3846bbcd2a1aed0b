#!/usr/bin/env bash
# Build keras-roundtrip-generator:<env> from the environment's lock (docker/Dockerfile). Idempotent: an image
# whose labels carry the current lock hash and generator code hash is kept as it is.
#   docker/build-image.sh [--env tf2.21-keras3]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
podman="$here/podman.sh"
environment=tf2.21-keras3
while [ $# -gt 0 ]; do
  case "$1" in
    --env) environment="$2"; shift 2 ;;
    *) echo "usage: docker/build-image.sh [--env NAME]" >&2; exit 2 ;;
  esac
done
lock="$root/generator/requirements/$environment.txt"
[ -f "$lock" ] || { echo "build-image: no lock file $lock" >&2; exit 2; }
image="keras-roundtrip-generator:$environment"
base="${BASE_IMAGE:-keras-roundtrip-base:bookworm}"

lock_hash="$(sha256sum "$lock" | cut -d' ' -f1)"
code_hash="$(cd "$root/generator" && find roundtrip_generator -name '*.py' -not -path '*/__pycache__/*' -not -path '*/tests/*' \
  | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -d' ' -f1)"
label() { "$podman" image inspect --format "{{ index .Labels \"$1\" }}" "$image" 2>/dev/null || true; }
if [ "$(label org.keras-roundtrip.lock-sha256)" = "$lock_hash" ] && [ "$(label org.keras-roundtrip.code-sha256)" = "$code_hash" ]; then
  echo "build-image: $image is up to date (lock ${lock_hash:0:12}, code ${code_hash:0:12})"
  exit 0
fi
"$podman" image exists "$base" || "$here/build-base.sh"

started=$(date +%s)
context="$here/.build/$environment"
mkdir -p "$context/wheelhouse"
# The wheelhouse uses the host's pip configuration (the build cannot see it); re-downloaded only when the lock changes.
if [ "$(cat "$context/wheelhouse/.lock-sha256" 2>/dev/null)" != "$lock_hash" ]; then
  python="${KERAS_ROUNDTRIP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/keras-roundtrip}/venvs/$environment/bin/python"
  [ -x "$python" ] || python=python3
  rm -f "$context/wheelhouse/"*.whl
  "$python" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
    -r "$lock" -d "$context/wheelhouse" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
  echo "$lock_hash" >"$context/wheelhouse/.lock-sha256"
fi
cp "$lock" "$context/requirements.txt"
rm -rf "$context/generator"
mkdir -p "$context/generator"
(cd "$root/generator" && tar -c --exclude=__pycache__ --exclude=tests --exclude='*.pyc' roundtrip_generator) | tar -C "$context/generator" -x

"$podman" build --quiet --runtime runc --network none --pull=never \
  --build-arg "BASE_IMAGE=$base" --build-arg "ENVIRONMENT=$environment" \
  --label "org.keras-roundtrip.environment=$environment" \
  --label "org.keras-roundtrip.lock-sha256=$lock_hash" \
  --label "org.keras-roundtrip.code-sha256=$code_hash" \
  -f "$here/Dockerfile" -t "$image" "$context" >/dev/null
"$podman" image prune --force --filter "label=org.keras-roundtrip.environment=$environment" >/dev/null
echo "build-image: $image built in $(( $(date +%s) - started )) s"
