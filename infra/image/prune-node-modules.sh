#!/bin/sh
# Drops from an installed node_modules what a program never loads at run time: type declarations, source
# maps, TypeScript sources shipped beside the compiled output, and documentation. Run in the folder holding it.
set -eu
find node_modules -type f \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' \
  -o -name '*.md' -o -name '*.markdown' \) -delete
rm -rf node_modules/effect/src node_modules/effect/ai-docs node_modules/@effect/*/src node_modules/@effect/*/ai-docs
