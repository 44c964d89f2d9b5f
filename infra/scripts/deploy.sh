#!/usr/bin/env bash
# Deploys or updates Vigia's Swarm stack (infra/docker-compose.prod.yml), on a manager node:
#  1. creates the stack's Docker secrets when missing, from BOT_TOKEN, TELEGRAM_API_HASH, DATABASE_URL,
#     SESSION_MASTER_KEY and REDIS_PASSWORD (random ones when these two are unset); an existing secret is kept,
#     whatever the variable says;
#  2. labels this node for Redis (vigia.redis) and for session workers (vigia.sessions) when no node has
#     the label yet, so that one node works as it is;
#  3. deploys the stack, then waits until the control plane's task runs and is healthy (its /healthz),
#     or fails after DEPLOY_TIMEOUT seconds showing its tasks and logs;
#  4. prints the stack's services and the session workers.
# Usage: infra/scripts/deploy.sh [-f override.yml]…
# Environment: VIGIA_STACK (vigia), TELEGRAM_API_ID (required), DEPLOY_TIMEOUT (300), VIGIA_RESOLVE_IMAGE
# (always, changed or never: whether to pin images to a registry's digest), DOCKER_GID (the group of
# /var/run/docker.sock here), and the variables docker-compose.prod.yml names.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
stack=${VIGIA_STACK:-vigia}
timeout=${DEPLOY_TIMEOUT:-300}
files=(--compose-file "$root/infra/docker-compose.prod.yml")
while [ $# -gt 0 ]; do
  case "$1" in
    -f | --file) files+=(--compose-file "$2"); shift 2 ;;
    -h | --help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "deploy.sh: unknown argument $1 (see --help)" >&2; exit 64 ;;
  esac
done

say() { echo "deploy: $*" >&2; }
fail() { say "$*"; exit 1; }

[ "$(docker info --format '{{.Swarm.ControlAvailable}}' 2>/dev/null)" = true ] ||
  fail "this Docker engine is not a Swarm manager: run this on a manager (or docker swarm init)"
[[ $stack =~ ^[a-z0-9][a-z0-9_-]*$ ]] || fail "VIGIA_STACK must be lowercase letters, digits, - and _"

# 1. Secrets: created once; Docker secrets never change in place (infra/README.md says how to rotate one).
ensure_secret() { # name, variable holding the value, "generate" to make a random one when unset
  local name="${stack}_$1" variable=$2 value
  if docker secret inspect "$name" >/dev/null 2>&1; then return; fi
  value=${!variable:-}
  if [ -z "$value" ] && [ "${3:-}" = generate ]; then value=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'); fi
  [ -n "$value" ] || fail "the secret $name does not exist yet: set $variable to create it"
  printf '%s' "$value" | docker secret create --label "org.vigia.stack=$stack" "$name" - >/dev/null
  say "created the secret $name"
}
ensure_secret bot_token BOT_TOKEN
ensure_secret telegram_api_hash TELEGRAM_API_HASH
ensure_secret database_url DATABASE_URL
ensure_secret session_master_key SESSION_MASTER_KEY generate
ensure_secret redis_password REDIS_PASSWORD generate

# 2. Node labels: where Redis keeps its append-only file, where the accounts' volumes live.
node=$(docker info --format '{{.Swarm.NodeID}}')
for label in vigia.redis vigia.sessions; do
  if [ -z "$(docker node ls -q --filter "node.label=$label=true")" ]; then
    docker node update --label-add "$label=true" "$node" >/dev/null
    say "labelled this node $label=true (no node had it)"
  fi
done

# 3. Deploy, and wait for the control plane.
export VIGIA_STACK=$stack
export DOCKER_GID=${DOCKER_GID:-$(stat -c %g /var/run/docker.sock)}
control="${stack}_control"
update_of() { docker service inspect --format '{{if .UpdateStatus}}{{.UpdateStatus.State}} {{.UpdateStatus.StartedAt}}{{end}}' "$control" 2>/dev/null || true; }
update_before=$(update_of)
docker stack deploy --prune --with-registry-auth --resolve-image "${VIGIA_RESOLVE_IMAGE:-always}" \
  "${files[@]}" "$stack" >&2

# Healthy: a task of the service's current template runs (Swarm reports a task with a HEALTHCHECK as running
# only once it is healthy); a task is matched to the template by what an update changes. An update that fails
# rolls back to the previous template: that is a failure.
task_fields='{{.ContainerSpec.Image}} {{json .ContainerSpec.Env}} {{json .ContainerSpec.Secrets}} {{json .Resources}} {{json .Placement}} {{.ForceUpdate}}'
current_task_runs() {
  local template task
  template=$(docker service inspect --format "{{with .Spec.TaskTemplate}}$task_fields{{end}}" "$control")
  for task in $(docker service ps -q --filter desired-state=running "$control"); do
    if [ "$(docker inspect --format "{{.Status.State}} {{with .Spec}}$task_fields{{end}}" "$task")" = "running $template" ]; then
      return 0
    fi
  done
  return 1
}
show_tasks() {
  docker service ps --no-trunc "$control" >&2 || true
  docker service logs --tail 40 "$control" >&2 || true
}
deadline=$((SECONDS + timeout))
while :; do
  update=$(update_of)
  if [ "$update" != "$update_before" ]; then
    case "$update" in
      rollback_* | paused*) show_tasks; fail "the update of $control failed: ${update%% *}" ;;
    esac
  fi
  # A rolling update is done once its monitor period passed without a failure.
  if [[ $update != updating* ]] && current_task_runs; then break; fi
  if [ $SECONDS -ge $deadline ]; then
    show_tasks
    fail "the control plane was not healthy within ${timeout}s"
  fi
  sleep 2
done
say "the control plane is healthy"

# 4. What runs.
docker stack services "$stack"
workers=$(docker service ls --filter "label=org.vigia.role=session-worker" --filter "label=org.vigia.deployment=$stack" --format '{{.Name}}  {{.Replicas}}')
echo "session workers: ${workers:+$'\n'}${workers:-none yet}"
