#!/usr/bin/env bash
# Builds the three Emscripten variants of kernels-cpp into build/wasm/ (CMakeLists.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
export NODE_PATH="${NODE_PATH:-/usr/share/nodejs}"   # emcc's optimiser needs Debian's acorn
command -v emcmake >/dev/null || { echo "emcmake not found: run scripts/setup-toolchain.sh" >&2; exit 1; }
emcmake cmake -S . -B build/cmake-wasm -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/cmake-wasm -j "$(nproc)"
# Emscripten 3.1.6 has, once here, written a glue whose import names were not minified like
# its wasm's; check, and relink that target once if so.
if ! node scripts/check-glue.mjs build/wasm; then
  rm -f build/wasm/ck-simd-threads.*
  cmake --build build/cmake-wasm --target ck-simd-threads -j 1
  node scripts/check-glue.mjs build/wasm
fi
# The threaded glue is CommonJS; mark the folder so Node does not read it as ESM.
printf '{ "type": "commonjs" }\n' > build/wasm/package.json
