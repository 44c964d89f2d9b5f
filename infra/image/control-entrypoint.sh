#!/bin/sh
# The control plane's entry point: each variable NAME_FILE names a file (a Docker secret under /run/secrets)
# whose content becomes NAME, trailing line breaks removed, before the command runs. The control plane itself
# reads only environment variables; `docker service inspect` shows the file's path, never the secret.
set -eu
for name in $(env | sed -n 's/^\([A-Z][A-Z0-9_]*\)_FILE=.*$/\1/p'); do
  eval "file=\${${name}_FILE}"
  if eval "[ -n \"\${${name}+set}\" ]"; then
    echo "both $name and ${name}_FILE are set: keep one" >&2
    exit 64
  fi
  if [ ! -r "$file" ]; then
    echo "${name}_FILE names $file, which cannot be read" >&2
    exit 66
  fi
  value=$(cat "$file")
  export "$name=$value"
  unset "${name}_FILE"
done
exec "$@"
