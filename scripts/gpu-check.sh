#!/usr/bin/env bash
# Verifies the CUDA backend on a Linux machine with an NVIDIA GPU, driver and nvcc (docs/cuda.md):
#   1. builds both addons (scripts/build-cuda.sh: nvcc for this GPU's architecture, and the
#      emulated host build);
#   2. runs test/cuda with the device required: validateBackend on the GPU, the same bits as the
#      emulation, residency, auto's size threshold (a missing driver or device fails, saying why);
#   3. runs the benchmarks (test/cuda/bench.test.ts): cuda resident / with copies vs wasm
#      simd-threads, medians with the spread, on mouse10k and a synthetic 100k × 20k matrix.
# Options are environment variables: CK_CUDA_ARCHS, CUDACXX (scripts/build-cuda.sh),
# CELLKERNELS_CUDA_DEVICE (device ordinal), CK_SKIP_BENCH=1 (tests only).
set -euo pipefail
cd "$(dirname "$0")/.."
if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi --query-gpu=index,name,driver_version,memory.total --format=csv,noheader || true
else
  echo "gpu-check: nvidia-smi not found: the device tests will report what is missing"
fi
if [ ! -d node_modules ] || [ ! -d node_modules/cmake-js ]; then npm install --no-audit --no-fund; fi
bash scripts/build-cuda.sh
[ -f build/wasm/ck-simd-threads.wasm ] || echo "gpu-check: build/wasm is missing (npm run build): the benchmarks run without the wasm column"
CELLKERNELS_REQUIRE_CUDA_DEVICE=1 CELLKERNELS_REQUIRE_CUDA_EMU=1 npx vitest run test/cuda
if [ "${CK_SKIP_BENCH:-0}" != 1 ]; then
  CELLKERNELS_CUDA_BENCH=1 npx vitest run test/cuda/bench.test.ts
fi
echo "gpu-check: done"
