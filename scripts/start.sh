#!/usr/bin/env bash
# The README's run command: sets the checkout up and starts the control plane.
# Configuration comes from the environment or from a `.env` file at the root.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/scripts/setup.sh"
cd "$root"
exec node --env-file-if-exists=.env packages/control/dist/main.js
