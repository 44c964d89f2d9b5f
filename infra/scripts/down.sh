#!/usr/bin/env bash
# Removes Vigia's Swarm stack, on a manager node: first the control plane (so that it restarts nothing),
# then the session-worker services it created and their secrets, then the rest of the stack, and waits
# until their containers and the stack's network are gone. Data stays unless asked:
#   infra/scripts/down.sh              # the accounts' TDLib volumes, Redis' volume and the stack's secrets stay
#   infra/scripts/down.sh --volumes    # also removes those volumes (on this node: see infra/README.md for others)
#   infra/scripts/down.sh --secrets    # also removes the secrets deploy.sh created
# Environment: VIGIA_STACK (vigia), DOWN_TIMEOUT (120 seconds).
set -euo pipefail
stack=${VIGIA_STACK:-vigia}
timeout=${DOWN_TIMEOUT:-120}
volumes=false
secrets=false
while [ $# -gt 0 ]; do
  case "$1" in
    --volumes) volumes=true ;;
    --secrets) secrets=true ;;
    -h | --help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "down.sh: unknown argument $1 (see --help)" >&2; exit 64 ;;
  esac
  shift
done

say() { echo "down: $*" >&2; }
[ "$(docker info --format '{{.Swarm.ControlAvailable}}' 2>/dev/null)" = true ] ||
  { say "this Docker engine is not a Swarm manager"; exit 1; }

stack_filter="label=com.docker.stack.namespace=$stack"
workers=(--filter "label=org.vigia.role=session-worker" --filter "label=org.vigia.deployment=$stack")
deadline=$((SECONDS + timeout))

# Repeats a listing until it is empty, or gives up at the deadline saying what is left.
until_empty() { # what, command…
  local what=$1 left
  shift
  while left=$("$@") && [ -n "$left" ]; do
    if [ $SECONDS -ge $deadline ]; then say "still there after ${timeout}s: $what: $(echo $left)"; return 1; fi
    sleep 1
  done
}

# The control plane first, gone for good before its workers are touched: until it has exited, it would
# restart a worker removed under it.
docker service rm "${stack}_control" >/dev/null 2>&1 && say "removed ${stack}_control" || true
until_empty "the control plane's containers" docker ps -aq --filter "label=com.docker.swarm.service.name=${stack}_control"
mapfile -t services < <(docker service ls -q "${workers[@]}")
if [ ${#services[@]} -gt 0 ]; then
  docker service rm "${services[@]}" >/dev/null
  say "removed ${#services[@]} session-worker service(s)"
fi
docker stack rm "$stack" >/dev/null 2>&1 || true
until_empty "containers" docker ps -aq --filter "$stack_filter"
until_empty "session-worker containers" docker ps -aq "${workers[@]}"
until_empty "the stack's network" docker network ls -q --filter "$stack_filter"

# The workers' secrets outlive their services by a moment (a secret in use cannot be removed).
mapfile -t worker_secrets < <(docker secret ls -q "${workers[@]}")
if [ ${#worker_secrets[@]} -gt 0 ]; then docker secret rm "${worker_secrets[@]}" >/dev/null; fi

if $volumes; then
  mapfile -t gone < <(docker volume ls -q --filter "$stack_filter"; docker volume ls -q "${workers[@]}")
  if [ ${#gone[@]} -gt 0 ]; then
    docker volume rm "${gone[@]}" >/dev/null
    say "removed ${#gone[@]} volume(s) on this node"
  fi
fi
if $secrets; then
  mapfile -t gone < <(docker secret ls -q --filter "label=org.vigia.stack=$stack")
  if [ ${#gone[@]} -gt 0 ]; then
    docker secret rm "${gone[@]}" >/dev/null
    say "removed ${#gone[@]} secret(s)"
  fi
fi
say "the stack $stack is down"
