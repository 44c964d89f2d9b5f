#!/usr/bin/env bash
# Writes the secrets of the local compose (infra/docker-compose.yml) as files, one per secret, into a folder only
# its owner opens (0700); each file is readable by the containers' users (0444), which read it through compose's
# `secrets:` as /run/secrets/NAME. Existing files are kept: run it again to add what is missing, delete a file to
# replace it.
#   BOT_TOKEN=… TELEGRAM_API_HASH=… infra/scripts/local-secrets.sh [folder]
# folder: VIGIA_SECRETS_DIR, else secrets/ at the repository root (what docker-compose.yml reads by default).
# Generated when missing: session_master_key, postgres_password and redis_password (random), and database_url
# from the PostgreSQL password (host postgres:5432, or VIGIA_POSTGRES_ADDRESS).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
folder=${1:-${VIGIA_SECRETS_DIR:-$root/secrets}}
case "${1:-}" in -h | --help) sed -n '2,9p' "$0"; exit 0 ;; esac

say() { echo "local-secrets: $*" >&2; }
random() { head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n'; }

mkdir -p "$folder"
chmod 0700 "$folder"

# Writes the secret `name` when its file does not exist yet: `value`, or nothing and a complaint when empty.
put() {
  local name=$1 value=$2
  if [ -e "$folder/$name" ]; then return; fi
  if [ -z "$value" ]; then say "$name is missing: set ${3:-it} and run again"; return 1; fi
  (umask 0222 && printf '%s' "$value" >"$folder/$name")
  say "wrote $folder/$name"
}

missing=0
put bot_token "${BOT_TOKEN:-}" BOT_TOKEN || missing=1
put telegram_api_hash "${TELEGRAM_API_HASH:-}" TELEGRAM_API_HASH || missing=1
put session_master_key "$(head -c 32 /dev/urandom | base64)"
put postgres_password "$(random 24)"
put redis_password "$(random 32)"
put database_url "postgres://vigia:$(cat "$folder/postgres_password")@${VIGIA_POSTGRES_ADDRESS:-postgres:5432}/vigia"
exit $missing
