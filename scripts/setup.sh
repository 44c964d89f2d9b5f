#!/usr/bin/env bash
# Makes the checkout ready to run: Node 24 on PATH, dependencies installed
# (only when the lock file changed), everything built with `tsc -b`, and the
# session worker bundled (`dist/bundle/`, what the process runtime runs).
# Source it (`. scripts/setup.sh`) so the PATH line stays in effect.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
eval "$("$root/scripts/node.sh")"
export npm_config_loglevel=${npm_config_loglevel:-error}
if [ ! -f "$root/node_modules/.package-lock.json" ] \
  || [ "$root/package-lock.json" -nt "$root/node_modules/.package-lock.json" ]; then
  (cd "$root" && npm ci)
fi
(cd "$root" && npx tsc -b)
(cd "$root" && npm run --silent bundle -w @vigia/session-worker)
