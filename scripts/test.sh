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
# The optional CUDA addon (docs/cuda.md): the emulated build (host C++, no GPU needed) is built
# here and its tests (test/cuda) are required; the nvcc build must compile and link wherever
# nvcc is installed (build/cuda-check; ≈ 100 s cold on 2 cores, seconds when unchanged;
# CK_SKIP_CUDA_DEVICE=1 skips it). The device tests run only where a GPU exists (scripts/gpu-check.sh).
bash scripts/build-cuda.sh --emu
export CELLKERNELS_REQUIRE_CUDA_EMU=1
if [ "${CK_SKIP_CUDA_DEVICE:-0}" != 1 ] && { [ -n "${CUDACXX:-}" ] || [ -x /usr/local/cuda/bin/nvcc ] || command -v nvcc >/dev/null 2>&1; }; then
  bash scripts/build-cuda.sh --check
else
  echo "test.sh: nvcc not found (or CK_SKIP_CUDA_DEVICE=1): the CUDA device addon was not built"
fi
# Python's anndata/scanpy (bench/reference/.venv) for the tests that open our .h5ad output;
# without it those tests are skipped with a message, so a failure here is not fatal.
bash bench/reference/setup-venv.sh || echo "test.sh: could not set up bench/reference/.venv; the Python anndata checks will be skipped"
set +e
# The golden fixtures cannot drift or be hand-made: regenerate them with the real scanpy /
# squidpy and compare with the committed ones (bench/reference/check_fixtures.py, ~1 min).
fixtures=0
if [ -x bench/reference/.venv/bin/python ]; then
  bench/reference/.venv/bin/python bench/reference/check_fixtures.py 2>&1 | grep -v "INFO" | tail -5
  fixtures=${PIPESTATUS[0]}
else
  echo "test.sh: no bench/reference/.venv: the golden fixtures were not regenerated"
  fixtures=1
fi
npx vitest run --reporter=default --reporter=json --outputFile=.vitest-results.json "$@"
status=$?
set -e
[ "$fixtures" -eq 0 ] || status=1
echo "test.sh: build and tests took $(( $(date +%s) - start )) s"
CK_EXTRA_PASSED=$([ "$fixtures" -eq 0 ] && echo 1 || echo 0) CK_EXTRA_FAILED=$([ "$fixtures" -eq 0 ] && echo 0 || echo 1) \
  node scripts/summarize-tests.mjs .vitest-results.json || status=1
exit $status
