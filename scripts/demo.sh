#!/usr/bin/env bash
# The main job of the README: install the toolchain and dependencies, build, then run
# `cellkernels info` and `cellkernels demo` on the bundled dataset.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-toolchain.sh
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run build
node bin/cellkernels.mjs demo "$@"
