#!/usr/bin/env bash
# Builds the three Emscripten variants of kernels-cpp into build/wasm/ (CMakeLists.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
export NODE_PATH="${NODE_PATH:-/usr/share/nodejs}"   # emcc's optimiser needs Debian's acorn
# Under `npm run`, node_modules/.bin comes first in PATH and holds binaryen's wasm-opt (an
# AssemblyScript dependency, newer than Debian's): emcc would pick it up, and its import
# minification map no longer matches what Emscripten 3.1.6 expects. Use the system tools.
PATH="$(printf '%s' "$PATH" | tr ':' '\n' | grep -v '/node_modules/\.bin$' | paste -sd: -)"
export PATH
command -v emcmake >/dev/null || { echo "emcmake not found: run scripts/setup-toolchain.sh" >&2; exit 1; }
emcmake cmake -S . -B build/cmake-wasm -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build/cmake-wasm -j "$(nproc)"
# Guard against a glue/wasm mismatch (it fails only at instantiation otherwise).
node scripts/check-glue.mjs build/wasm
# The threaded glue is CommonJS; mark the folder so Node does not read it as ESM.
printf '{ "type": "commonjs" }\n' > build/wasm/package.json
