#!/usr/bin/env bash
# The README's test command: sets the checkout up and runs every package's tests
# (unit and integration, against the machine's PostgreSQL, Redis and Docker).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/scripts/setup.sh"
cd "$root"
exec npx vitest run "$@"
