#!/usr/bin/env bash
# The test command of the README: installs the toolchain and dependencies, builds every
# module and the bundle, runs the test suite, and ends with "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
bash scripts/setup-toolchain.sh
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # npm ci rejects this lockfile on npm 11 (rollup's per-platform optional packages are not
  # recorded by this registry setup); npm install honours the lockfile's versions.
  npm install --no-audit --no-fund
fi
npm run build
npx tsc -p tsconfig.json --noEmit
set +e
npx vitest run --reporter=default --reporter=json --outputFile=.vitest-results.json "$@"
status=$?
set -e
echo "test.sh: build and tests took $(( $(date +%s) - start )) s"
node scripts/summarize-tests.mjs .vitest-results.json || status=1
exit $status
