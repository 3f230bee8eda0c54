#!/usr/bin/env bash
# The main job of the README: install the toolchain and dependencies, build, then run
# `cellkernels info` and `cellkernels demo` on the bundled dataset.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-toolchain.sh
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # npm ci rejects this lockfile on npm 11 (rollup's per-platform optional packages are not
  # recorded by this registry setup); npm install honours the lockfile's versions.
  npm install --no-audit --no-fund
fi
npm run build
node bin/cellkernels.mjs demo "$@"
